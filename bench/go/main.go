// Command vsmemberlist runs N HashiCorp memberlist members in this one Go
// process on loopback and measures them, for the side-by-side benchmark
// `npm run bench -- --only vs-memberlist` (bench/vsMemberlist.ts runs the same
// scenario with effect-memberlist and compares). It prints one JSON line.
//
// Every member gets its own NetTransport wrapped by a counting transport:
// bytes sent (UDP datagrams and everything written on TCP streams, either
// side) are counted per member, and outgoing datagrams can be dropped with a
// probability (the loss scenario). Suspicions and deaths are counted through
// memberlist's own go-metrics counters (memberlist.msg.suspect / .dead: one
// per member that marks another suspect or dead), summed over the process.
//
// Modes:
//
//	detect: start and join N members one after another, wait for every view
//	        to be full, measure a steady window, then stop 10% of the members
//	        without a leave (Shutdown only) and time the detection.
//	loss:   start and join N members, then drop every outgoing datagram with
//	        probability -loss for -window seconds, counting suspicions and
//	        deaths (all false: nobody is down).
//
// Build: bash bench/go/build.sh (Debian's memberlist, offline, GOPATH mode).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	metrics "github.com/armon/go-metrics"
	"github.com/hashicorp/memberlist"
)

// ---- counting, lossy transport ---------------------------------------------

var lossPermille atomic.Int64 // outgoing datagrams dropped per 1000
var rngMu sync.Mutex
var rng = rand.New(rand.NewSource(1))

func lose() bool {
	p := lossPermille.Load()
	if p == 0 {
		return false
	}
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Int63n(1000) < p
}

type countingTransport struct {
	*memberlist.NetTransport
	bytesOut     atomic.Int64 // datagrams and stream writes
	packetsOut   atomic.Int64 // datagrams
	streamBytes  atomic.Int64 // stream writes (a part of bytesOut)
	dialFailures atomic.Int64 // stream dials that failed: mostly TCP fallback pings of dead members
	streams      chan net.Conn
	done         chan struct{}
}

var _ memberlist.NodeAwareTransport = (*countingTransport)(nil)

type countingConn struct {
	net.Conn
	t *countingTransport
}

func newCountingConn(c net.Conn, t *countingTransport) *countingConn {
	tallyStream(0, 1)
	return &countingConn{Conn: c, t: t}
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.t.bytesOut.Add(int64(n))
	c.t.streamBytes.Add(int64(n))
	tallyStream(int64(n), 0)
	return n, err
}

func newCountingTransport() (*countingTransport, int, error) {
	var last error
	for attempt := 0; attempt < 10; attempt++ {
		nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
			BindAddrs: []string{"127.0.0.1"},
			BindPort:  0,
			Logger:    nil,
		})
		if err != nil {
			last = err
			continue
		}
		t := &countingTransport{NetTransport: nt, streams: make(chan net.Conn), done: make(chan struct{})}
		go func() {
			for {
				select {
				case c := <-nt.StreamCh():
					select {
					case t.streams <- newCountingConn(c, t):
					case <-t.done:
						c.Close()
						return
					}
				case <-t.done:
					return
				}
			}
		}()
		return t, nt.GetAutoBindPort(), nil
	}
	return nil, 0, last
}

var typeNames = map[byte]string{
	0: "ping", 1: "indirectPing", 2: "ack", 3: "suspect", 4: "alive", 5: "dead", 6: "pushPull",
	7: "compound", 8: "user", 9: "compress", 10: "encrypt", 11: "nack", 12: "crc", 13: "err",
}

func typeName(t byte) string {
	if name, ok := typeNames[t]; ok {
		return name
	}
	return strconv.Itoa(int(t))
}

// shapeOf reads a datagram's outer layers and message types without
// decompressing, exactly as bench/vs-child.ts does, so the tallies compare.
func shapeOf(b []byte) string {
	layers := ""
	i := 0
	if len(b) > 0 && b[0] == 12 {
		layers = "crc+"
		i = 5
	}
	if i >= len(b) {
		return layers + "empty"
	}
	switch b[i] {
	case 9:
		return layers + "lzw"
	case 7:
		count := 0
		if i+1 < len(b) {
			count = int(b[i+1])
		}
		parts := ""
		at := i + 2 + 2*count
		for k := 0; k < count && at < len(b) && i+3+2*k < len(b); k++ {
			if k > 0 {
				parts += ","
			}
			parts += typeName(b[at])
			at += int(b[i+2+2*k])<<8 | int(b[i+3+2*k])
		}
		return layers + "compound[" + parts + "]"
	}
	return layers + typeName(b[i])
}

type shapeTally struct {
	Count int64 `json:"count"`
	Bytes int64 `json:"bytes"`
}

var (
	shapesOn atomic.Bool
	shapesMu sync.Mutex
	shapes   = map[string]*shapeTally{}
)

func tallyShape(b []byte) {
	if !shapesOn.Load() {
		return
	}
	key := shapeOf(b)
	shapesMu.Lock()
	defer shapesMu.Unlock()
	e, ok := shapes[key]
	if !ok {
		e = &shapeTally{}
		shapes[key] = e
	}
	e.Count++
	e.Bytes += int64(len(b))
}

// tallyStream counts stream ends opened (each exchange in this process
// counts both) and bytes written, under "stream", as bench/vs-child.ts does.
func tallyStream(bytes int64, opened int64) {
	if !shapesOn.Load() {
		return
	}
	shapesMu.Lock()
	defer shapesMu.Unlock()
	e, ok := shapes["stream"]
	if !ok {
		e = &shapeTally{}
		shapes["stream"] = e
	}
	e.Count += opened
	e.Bytes += bytes
}

func (t *countingTransport) sent(b []byte) bool {
	tallyShape(b)
	t.bytesOut.Add(int64(len(b)))
	t.packetsOut.Add(1)
	return !lose()
}

func (t *countingTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	if !t.sent(b) {
		return time.Now(), nil
	}
	return t.NetTransport.WriteTo(b, addr)
}

func (t *countingTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if !t.sent(b) {
		return time.Now(), nil
	}
	return t.NetTransport.WriteToAddress(b, a)
}

func (t *countingTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	c, err := t.NetTransport.DialTimeout(addr, timeout)
	if err != nil {
		t.dialFailures.Add(1)
		return nil, err
	}
	return newCountingConn(c, t), nil
}

func (t *countingTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	c, err := t.NetTransport.DialAddressTimeout(a, timeout)
	if err != nil {
		t.dialFailures.Add(1)
		return nil, err
	}
	return newCountingConn(c, t), nil
}

func (t *countingTransport) StreamCh() <-chan net.Conn { return t.streams }

func (t *countingTransport) Shutdown() error {
	close(t.done)
	return t.NetTransport.Shutdown()
}

// ---- suspicion and death counters ------------------------------------------

// counterSink counts memberlist.msg.suspect and memberlist.msg.dead and
// ignores everything else.
type counterSink struct{ metrics.BlackholeSink }

var suspicions, deaths atomic.Int64

func (*counterSink) IncrCounter(key []string, val float32) { count(key) }
func (*counterSink) IncrCounterWithLabels(key []string, val float32, _ []metrics.Label) {
	count(key)
}

func count(key []string) {
	if len(key) == 3 && key[0] == "memberlist" && key[1] == "msg" {
		switch key[2] {
		case "suspect":
			suspicions.Add(1)
		case "dead":
			deaths.Add(1)
		}
	}
}

// ---- measuring --------------------------------------------------------------

func cpuMillis() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

func systemCpuMillis() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Stime.Nano()) / 1e6
}

func maxRssMiB() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return -1
	}
	v := append([]float64(nil), xs...)
	sort.Float64s(v)
	return v[(len(v)-1)/2]
}

type member struct {
	list *memberlist.Memberlist
	t    *countingTransport
}

func bytesOf(ms []*member) (bytes, packets int64) {
	for _, m := range ms {
		bytes += m.t.bytesOut.Load()
		packets += m.t.packetsOut.Load()
	}
	return
}

func dialFailuresOf(ms []*member) (n int64) {
	for _, m := range ms {
		n += m.t.dialFailures.Load()
	}
	return
}

func streamBytesOf(ms []*member) (bytes int64) {
	for _, m := range ms {
		bytes += m.t.streamBytes.Load()
	}
	return
}

func main() {
	preset := flag.String("preset", "lan", "lan or local")
	n := flag.Int("n", 50, "members")
	mode := flag.String("mode", "detect", "detect or loss")
	settle := flag.Float64("settle", 2, "seconds after convergence before the window")
	window := flag.Float64("window", 10, "seconds of the steady (detect) or lossy (loss) window")
	loss := flag.Float64("loss", 0.1, "loss probability in the loss mode")
	convergeLimit := flag.Float64("converge-limit", 60, "seconds to wait for full views")
	detectLimit := flag.Float64("detect-limit", 60, "seconds to wait for detection")
	warmUp := flag.Bool("warm-up", false, "start, join and shut down N members before the measured ones")
	joinOnly := flag.Bool("join-only", false, "print the start and join figures and stop")
	traceShapes := flag.Bool("shapes", false, "tally the steady and detecting windows' datagrams by wire shape")
	flag.Parse()

	sink := &counterSink{}
	conf := metrics.DefaultConfig("")
	conf.EnableHostname = false
	conf.EnableRuntimeMetrics = false
	if _, err := metrics.NewGlobal(conf, sink); err != nil {
		fail("metrics: %v", err)
	}

	out := map[string]interface{}{"impl": "go", "preset": *preset, "n": *n, "mode": *mode}

	makeConfig := func(i int) *memberlist.Config {
		var c *memberlist.Config
		switch *preset {
		case "lan":
			c = memberlist.DefaultLANConfig()
		case "local":
			c = memberlist.DefaultLocalConfig()
		default:
			fail("unknown preset %s", *preset)
		}
		c.Name = "go-" + strconv.Itoa(i)
		c.EnableCompression = true
		c.LogOutput = io.Discard
		if *mode == "loss" {
			c.DisableTcpPings = true
		}
		return c
	}

	// ---- start and join, one member after another
	startAndJoin := func(prefix string) (members []*member, starts, joins []float64) {
		var seed string
		for i := 0; i < *n; i++ {
			t0 := time.Now()
			t, port, err := newCountingTransport()
			if err != nil {
				fail("transport: %v", err)
			}
			c := makeConfig(i)
			c.Name = prefix + strconv.Itoa(i)
			c.Transport = t
			c.BindAddr = "127.0.0.1"
			c.BindPort = port
			c.AdvertiseAddr = "127.0.0.1"
			c.AdvertisePort = port
			list, err := memberlist.Create(c)
			if err != nil {
				fail("create %d: %v", i, err)
			}
			starts = append(starts, ms(time.Since(t0)))
			members = append(members, &member{list: list, t: t})
			if i == 0 {
				seed = "127.0.0.1:" + strconv.Itoa(port)
				continue
			}
			t1 := time.Now()
			if _, err := list.Join([]string{seed}); err != nil {
				fail("join %d: %v", i, err)
			}
			joins = append(joins, ms(time.Since(t1)))
		}
		return
	}
	// --warm-up: a first cluster of N is started, joined and shut down before the measured one, so that the
	// measured join phase runs in a warm process (the TS child's --warm-up does the same for its JIT).
	if *warmUp {
		w0 := time.Now()
		warm, _, _ := startAndJoin("warm-")
		out["warmUpJoinPhaseMs"] = ms(time.Since(w0))
		for _, m := range warm {
			m.list.Shutdown()
		}
		time.Sleep(time.Second)
		runtime.GC()
	}
	began := time.Now()
	beganCpu := cpuMillis()
	members, starts, joins := startAndJoin("go-")
	joined := time.Now()
	out["startMsMedian"] = median(starts)
	out["joinMsMedian"] = median(joins)
	out["allJoinedMs"] = ms(joined.Sub(began))
	out["joinPhaseCpuMs"] = cpuMillis() - beganCpu
	if *joinOnly {
		b, _ := json.Marshal(out)
		fmt.Println(string(b))
		return
	}

	// ---- convergence: when each member first sees all N
	converged := make([]float64, *n)
	for i := range converged {
		converged[i] = -1
	}
	left := *n
	for left > 0 && time.Since(joined) < time.Duration(*convergeLimit*float64(time.Second)) {
		for i, m := range members {
			if converged[i] < 0 && m.list.NumMembers() == *n {
				converged[i] = ms(time.Since(joined))
				left--
			}
		}
		if left > 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if left == 0 {
		out["convergeMedianMs"] = median(converged)
		sort.Float64s(converged)
		out["convergeLastMs"] = converged[len(converged)-1]
	} else {
		out["convergeMedianMs"] = nil
		out["convergeLastMs"] = nil
		out["notConverged"] = left
	}

	time.Sleep(time.Duration(*settle * float64(time.Second)))
	windowDur := time.Duration(*window * float64(time.Second))

	if *mode == "loss" {
		s0, d0 := suspicions.Load(), deaths.Load()
		b0, p0 := bytesOf(members)
		lossPermille.Store(int64(*loss * 1000))
		w0 := time.Now()
		time.Sleep(windowDur)
		secs := time.Since(w0).Seconds()
		lossPermille.Store(0)
		b1, p1 := bytesOf(members)
		out["lossWindowS"] = secs
		out["falseSuspicions"] = suspicions.Load() - s0
		out["falseDeaths"] = deaths.Load() - d0
		out["lossBytesPerMemberSecond"] = float64(b1-b0) / secs / float64(*n)
		out["lossPacketsPerMemberSecond"] = float64(p1-p0) / secs / float64(*n)
	} else {
		// ---- steady window, after a full collection and a second for its sweeping to end
		runtime.GC()
		time.Sleep(time.Second)
		c0 := cpuMillis()
		k0 := systemCpuMillis()
		b0, p0 := bytesOf(members)
		sb0 := streamBytesOf(members)
		w0 := time.Now()
		shapesOn.Store(*traceShapes)
		time.Sleep(windowDur)
		shapesOn.Store(false)
		secs := time.Since(w0).Seconds()
		c1 := cpuMillis()
		k1 := systemCpuMillis()
		b1, p1 := bytesOf(members)
		out["steadyWindowS"] = secs
		out["steadyCpuMsPerMemberSecond"] = (c1 - c0) / secs / float64(*n)
		out["steadySystemCpuMsPerMemberSecond"] = (k1 - k0) / secs / float64(*n)
		out["steadyBytesPerMemberSecond"] = float64(b1-b0) / secs / float64(*n)
		out["steadyPacketsPerMemberSecond"] = float64(p1-p0) / secs / float64(*n)
		out["steadyStreamBytesPerMemberSecond"] = float64(streamBytesOf(members)-sb0) / secs / float64(*n)
		if *traceShapes {
			shapesMu.Lock()
			out["steadyShapes"] = shapes
			shapes = map[string]*shapeTally{}
			shapesMu.Unlock()
		}
		runtime.GC()
		var mem runtime.MemStats
		runtime.ReadMemStats(&mem)
		out["heapMiB"] = float64(mem.HeapAlloc) / (1 << 20)
		out["heapTotalMiB"] = float64(mem.HeapSys) / (1 << 20)
		out["steadySuspicions"] = suspicions.Load()
		out["steadyDeaths"] = deaths.Load()

		// ---- kill 10%: Shutdown without Leave
		victims := map[string]bool{}
		survivors := []*member{}
		var doomed []*member
		for i, m := range members {
			if i%10 == 5 {
				victims[m.list.LocalNode().Name] = true
				doomed = append(doomed, m)
			} else {
				survivors = append(survivors, m)
			}
		}
		s0 := suspicions.Load()
		b0, p0 = bytesOf(survivors)
		sb0 = streamBytesOf(survivors)
		f0 := dialFailuresOf(survivors)
		gone := map[string]float64{}
		killed := time.Now()
		shapesOn.Store(*traceShapes)
		for _, m := range doomed {
			m.list.Shutdown()
		}
		out["killed"] = len(doomed)
		firstSuspicion := -1.0
		done := make([]bool, len(survivors))
		remaining := len(survivors)
		lastPoll := time.Time{}
		limit := time.Duration(*detectLimit * float64(time.Second))
		for remaining > 0 && time.Since(killed) < limit {
			if firstSuspicion < 0 && suspicions.Load() > s0 {
				firstSuspicion = ms(time.Since(killed))
			}
			if time.Since(lastPoll) >= 100*time.Millisecond {
				lastPoll = time.Now()
				seen := map[string]bool{}
				for i, m := range survivors {
					if done[i] {
						continue
					}
					sees := false
					for _, node := range m.list.Members() {
						if victims[node.Name] {
							sees = true
							seen[node.Name] = true
						}
					}
					if !sees {
						done[i] = true
						remaining--
					}
				}
				for v := range victims {
					if _, ok := gone[v]; !ok && !seen[v] {
						gone[v] = ms(time.Since(killed))
					}
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		detected := time.Since(killed)
		shapesOn.Store(false)
		b1, p1 = bytesOf(survivors)
		if *traceShapes {
			shapesMu.Lock()
			out["detectShapes"] = shapes
			shapesMu.Unlock()
		}
		out["firstSuspicionMs"] = firstSuspicion
		if remaining == 0 {
			out["lastDeadMs"] = ms(detected)
		} else {
			out["lastDeadMs"] = nil
			out["undetected"] = remaining
		}
		out["detectBytesPerMemberSecond"] = float64(b1-b0) / detected.Seconds() / float64(len(survivors))
		out["detectPacketsPerMemberSecond"] = float64(p1-p0) / detected.Seconds() / float64(len(survivors))
		out["detectStreamBytesPerMemberSecond"] = float64(streamBytesOf(survivors)-sb0) / detected.Seconds() / float64(len(survivors))
		out["detectDialFailures"] = dialFailuresOf(survivors) - f0
		victimGone := make([]float64, 0, len(gone))
		for _, t := range gone {
			victimGone = append(victimGone, t)
		}
		sort.Float64s(victimGone)
		out["victimGoneMs"] = victimGone
	}

	out["maxRssMiB"] = maxRssMiB()
	b, _ := json.Marshal(out)
	os.Stdout.Write(append(b, '\n'))
	// No Leave, no Shutdown: the process ends here.
	os.Exit(0)
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "vsmemberlist: "+format+"\n", args...)
	os.Exit(1)
}
