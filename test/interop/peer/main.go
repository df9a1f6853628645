// Command peer runs ONE HashiCorp memberlist node for our interop tests.
//
// It is driven over stdio: one command per line on stdin, one JSON object per
// line on stdout. memberlist's own log goes to stderr. See README-style notes
// below and test/interop/goPeer.ts for the TypeScript side.
//
// Flags:
//
//	-name NAME                node name (required)
//	-bind HOST:PORT           bind address (default 127.0.0.1:0; port 0 = pick a free port)
//	-advertise HOST:PORT      advertised address (optional)
//	-join HOST:PORT[,...]     seeds to join after Create (optional)
//	-key BASE64[,BASE64...]   keyring keys, repeatable; the first is the primary key
//	-preset local|lan|wan     memberlist default config to start from (default local)
//	-protocol N               memberlist protocol version to speak (1..5)
//	-probe-interval D, -probe-timeout D, -suspicion-mult N, -suspicion-max-mult N,
//	-gossip-interval D, -gossip-nodes N, -push-pull-interval D, -retransmit-mult N,
//	-tcp-timeout D, -indirect-checks N, -compression=BOOL, -disable-tcp-pings
//	                          overrides of the preset (only when given)
//	-meta STRING              node metadata (NodeMeta)
//	-state STRING             delegate LocalState for push/pull (default empty)
//	-leave-timeout D          timeout for Leave (default 5s)
//
// Stdout events (one JSON object per line):
//
//	{"event":"ready","name":N,"addr":"host:port"}                   after Create
//	{"event":"joined","contacted":K}                                 after a successful -join
//	{"event":"join"|"leave"|"update","name":N,"addr":A,"meta":M,"at":unix_ms}
//	{"event":"message","payload":B64,"text":T}                     NotifyMsg (text if valid UTF-8)
//	{"event":"remote-state","join":bool,"payload":B64,"text":T}    MergeRemoteState (non-empty only)
//	{"event":"members","members":[{"name","addr","state","meta","vsn"}]}  answer to "members" (vsn: [pMin,pMax,pCur,dMin,dMax,dCur])
//	{"event":"sent","mode":"udp"|"tcp"|"broadcast","to":N,"bytes":K}
//	{"event":"updated"}                                              answer to "meta"
//	{"event":"state","bytes":K}                                      answer to "state"
//	{"event":"left"}                                                 after "leave"
//	{"event":"keyring","op":OP,"keys":N}                            after key-install/key-use/key-remove
//	{"event":"keys","keys":[B64...]}                                 answer to "keys" (primary first)
//	{"event":"error","message":M}
//
// Stdin commands:
//
//	members                      print a members event
//	broadcast TEXT               queue TEXT for gossip (TransmitLimitedQueue via GetBroadcasts)
//	send NAME TEXT               best-effort UDP user message to member NAME
//	send-reliable NAME TEXT      reliable TCP user message to member NAME
//	broadcast-b64 / send-b64 / send-reliable-b64   same, the payload given as base64
//	meta TEXT                    change node metadata and UpdateNode
//	state TEXT                   change what LocalState returns from now on (prints a "state" event)
//	leave                        Leave (with -leave-timeout), then print left
//	key-install B64              Keyring.AddKey: install a key for decryption
//	key-use B64                  Keyring.UseKey: make an installed key primary
//	key-remove B64               Keyring.RemoveKey: remove a key (not the primary)
//	keys                         print a keys event (memberlist's Keyring.GetKeys)
//	                             (key commands need a node started with -key)
//	quit                         Shutdown and exit 0
//
// SIGTERM/SIGINT and end of stdin: Leave + Shutdown + exit 0.
// A failed join prints an error event and exits 1; bad flags exit 2.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/memberlist"
)

// ---- output ----------------------------------------------------------------

var outMu sync.Mutex
var out = bufio.NewWriter(os.Stdout)

type M = map[string]interface{}

func emit(ev M) {
	b, err := json.Marshal(ev)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"event":"error","message":%q}`, err.Error()))
	}
	outMu.Lock()
	defer outMu.Unlock()
	out.Write(b)
	out.WriteByte('\n')
	out.Flush()
}

func emitError(format string, args ...interface{}) {
	emit(M{"event": "error", "message": fmt.Sprintf(format, args...)})
}

func withPayload(ev M, payload []byte) M {
	ev["payload"] = base64.StdEncoding.EncodeToString(payload)
	if utf8.Valid(payload) {
		ev["text"] = string(payload)
	}
	return ev
}

func nowMs() int64 { return time.Now().UnixNano() / int64(time.Millisecond) }

func stateName(s memberlist.NodeStateType) string {
	switch s {
	case memberlist.StateAlive:
		return "alive"
	case memberlist.StateSuspect:
		return "suspect"
	case memberlist.StateDead:
		return "dead"
	case memberlist.StateLeft:
		return "left"
	}
	return strconv.Itoa(int(s))
}

func nodeAddr(n *memberlist.Node) string {
	return net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port)))
}

// ---- delegates ---------------------------------------------------------------

type broadcast struct{ msg []byte }

func (b *broadcast) Invalidates(memberlist.Broadcast) bool { return false }
func (b *broadcast) Message() []byte                       { return b.msg }
func (b *broadcast) Finished()                             {}
func (b *broadcast) UniqueBroadcast()                      {}

type delegate struct {
	mu    sync.Mutex
	meta  []byte
	state []byte
	queue *memberlist.TransmitLimitedQueue
}

func (d *delegate) NodeMeta(limit int) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.meta) > limit {
		return append([]byte(nil), d.meta[:limit]...)
	}
	return append([]byte(nil), d.meta...)
}

func (d *delegate) setMeta(meta []byte) {
	d.mu.Lock()
	d.meta = meta
	d.mu.Unlock()
}

func (d *delegate) NotifyMsg(msg []byte) {
	emit(withPayload(M{"event": "message"}, msg))
}

func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	return d.queue.GetBroadcasts(overhead, limit)
}

func (d *delegate) LocalState(join bool) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]byte(nil), d.state...)
}

func (d *delegate) setState(state []byte) {
	d.mu.Lock()
	d.state = state
	d.mu.Unlock()
}

func (d *delegate) MergeRemoteState(buf []byte, join bool) {
	if len(buf) > 0 {
		emit(withPayload(M{"event": "remote-state", "join": join}, buf))
	}
}

type events struct{}

func nodeEvent(kind string, n *memberlist.Node) {
	emit(M{"event": kind, "name": n.Name, "addr": nodeAddr(n), "meta": string(n.Meta), "at": nowMs()})
}

func (events) NotifyJoin(n *memberlist.Node)   { nodeEvent("join", n) }
func (events) NotifyLeave(n *memberlist.Node)  { nodeEvent("leave", n) }
func (events) NotifyUpdate(n *memberlist.Node) { nodeEvent("update", n) }

// ---- flags -------------------------------------------------------------------

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func splitHostPort(s string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", s)
	}
	return host, port, nil
}

func fail(code int, format string, args ...interface{}) {
	emitError(format, args...)
	fmt.Fprintf(os.Stderr, "peer: "+format+"\n", args...)
	os.Exit(code)
}

// ---- main --------------------------------------------------------------------

func main() {
	fs := flag.NewFlagSet("peer", flag.ContinueOnError)
	name := fs.String("name", "", "node name (required)")
	bind := fs.String("bind", "127.0.0.1:0", "bind HOST:PORT (port 0 picks a free port)")
	advertise := fs.String("advertise", "", "advertise HOST:PORT")
	var joins, keys listFlag
	fs.Var(&joins, "join", "HOST:PORT seeds to join, comma separated or repeated")
	fs.Var(&keys, "key", "base64 key, comma separated or repeated; the first is primary")
	preset := fs.String("preset", "local", "local|lan|wan")
	protocol := fs.Int("protocol", -1, "protocol version")
	probeInterval := fs.Duration("probe-interval", 0, "ProbeInterval")
	probeTimeout := fs.Duration("probe-timeout", 0, "ProbeTimeout")
	suspicionMult := fs.Int("suspicion-mult", 0, "SuspicionMult")
	suspicionMaxMult := fs.Int("suspicion-max-mult", 0, "SuspicionMaxTimeoutMult")
	gossipInterval := fs.Duration("gossip-interval", 0, "GossipInterval")
	gossipNodes := fs.Int("gossip-nodes", 0, "GossipNodes")
	pushPull := fs.Duration("push-pull-interval", 0, "PushPullInterval")
	retransmit := fs.Int("retransmit-mult", 0, "RetransmitMult")
	tcpTimeout := fs.Duration("tcp-timeout", 0, "TCPTimeout")
	indirect := fs.Int("indirect-checks", -1, "IndirectChecks")
	compression := fs.String("compression", "", "true|false (default: preset)")
	disableTCPPings := fs.Bool("disable-tcp-pings", false, "DisableTcpPings")
	meta := fs.String("meta", "", "node metadata")
	state := fs.String("state", "", "delegate LocalState for push/pull")
	leaveTimeout := fs.Duration("leave-timeout", 5*time.Second, "Leave timeout")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fail(2, "bad flags: %v", err)
	}
	if fs.NArg() > 0 {
		fail(2, "unexpected arguments: %v", fs.Args())
	}
	if *name == "" {
		fail(2, "-name is required")
	}

	var conf *memberlist.Config
	switch *preset {
	case "local":
		conf = memberlist.DefaultLocalConfig()
	case "lan":
		conf = memberlist.DefaultLANConfig()
	case "wan":
		conf = memberlist.DefaultWANConfig()
	default:
		fail(2, "-preset must be local, lan or wan, not %q", *preset)
	}
	conf.Name = *name
	host, port, err := splitHostPort(*bind)
	if err != nil {
		fail(2, "bad -bind: %v", err)
	}
	conf.BindAddr = host
	conf.BindPort = port
	conf.AdvertisePort = port
	if *advertise != "" {
		ahost, aport, err := splitHostPort(*advertise)
		if err != nil {
			fail(2, "bad -advertise: %v", err)
		}
		conf.AdvertiseAddr = ahost
		conf.AdvertisePort = aport
	}
	if *protocol >= 0 {
		conf.ProtocolVersion = uint8(*protocol)
	}
	if *probeInterval > 0 {
		conf.ProbeInterval = *probeInterval
	}
	if *probeTimeout > 0 {
		conf.ProbeTimeout = *probeTimeout
	}
	if *suspicionMult > 0 {
		conf.SuspicionMult = *suspicionMult
	}
	if *suspicionMaxMult > 0 {
		conf.SuspicionMaxTimeoutMult = *suspicionMaxMult
	}
	if *gossipInterval > 0 {
		conf.GossipInterval = *gossipInterval
	}
	if *gossipNodes > 0 {
		conf.GossipNodes = *gossipNodes
	}
	if *pushPull > 0 {
		conf.PushPullInterval = *pushPull
	}
	if *retransmit > 0 {
		conf.RetransmitMult = *retransmit
	}
	if *tcpTimeout > 0 {
		conf.TCPTimeout = *tcpTimeout
	}
	if *indirect >= 0 {
		conf.IndirectChecks = *indirect
	}
	if *compression != "" {
		v, err := strconv.ParseBool(*compression)
		if err != nil {
			fail(2, "bad -compression: %v", err)
		}
		conf.EnableCompression = v
	}
	if *disableTCPPings {
		conf.DisableTcpPings = true
	}
	if len(keys) > 0 {
		raw := make([][]byte, 0, len(keys))
		for _, k := range keys {
			b, err := base64.StdEncoding.DecodeString(k)
			if err != nil {
				fail(2, "bad -key %q: %v", k, err)
			}
			raw = append(raw, b)
		}
		ring, err := memberlist.NewKeyring(raw, raw[0])
		if err != nil {
			fail(2, "bad keys: %v", err)
		}
		conf.Keyring = ring
	}
	conf.LogOutput = os.Stderr

	d := &delegate{meta: []byte(*meta), state: []byte(*state)}
	d.queue = &memberlist.TransmitLimitedQueue{RetransmitMult: conf.RetransmitMult}
	conf.Delegate = d
	conf.Events = events{}

	list, err := memberlist.Create(conf)
	if err != nil {
		fail(1, "create failed: %v", err)
	}
	d.queue.NumNodes = list.NumMembers
	local := list.LocalNode()
	emit(M{"event": "ready", "name": local.Name, "addr": nodeAddr(local)})

	// Serialises the shutdown paths (signal, quit, end of stdin).
	var exitOnce sync.Once
	exit := func(leave bool) {
		exitOnce.Do(func() {
			if leave {
				if err := list.Leave(*leaveTimeout); err != nil {
					fmt.Fprintf(os.Stderr, "peer: leave: %v\n", err)
				}
			}
			if err := list.Shutdown(); err != nil {
				fmt.Fprintf(os.Stderr, "peer: shutdown: %v\n", err)
			}
			outMu.Lock()
			out.Flush()
			os.Exit(0)
		})
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		exit(true)
	}()

	if len(joins) > 0 {
		n, err := list.Join(joins)
		if err != nil {
			list.Shutdown()
			fail(1, "join %v failed: %v", []string(joins), err)
		}
		emit(M{"event": "joined", "contacted": n})
	}

	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	for scanner.Scan() {
		line := strings.TrimRight(scanner.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		cmd, rest := cut(line)
		switch cmd {
		case "members":
			nodes := list.Members()
			ms := make([]M, 0, len(nodes))
			for _, n := range nodes {
				vsn := []int{int(n.PMin), int(n.PMax), int(n.PCur), int(n.DMin), int(n.DMax), int(n.DCur)}
				ms = append(ms, M{"name": n.Name, "addr": nodeAddr(n), "state": stateName(n.State), "meta": string(n.Meta), "vsn": vsn})
			}
			emit(M{"event": "members", "members": ms})
		case "broadcast", "broadcast-b64":
			payload, err := payloadOf(cmd, rest)
			if err != nil {
				emitError("%s: %v", cmd, err)
				continue
			}
			d.queue.QueueBroadcast(&broadcast{msg: payload})
			emit(M{"event": "sent", "mode": "broadcast", "bytes": len(payload)})
		case "send", "send-b64", "send-reliable", "send-reliable-b64":
			target, text := cut(rest)
			payload, err := payloadOf(cmd, text)
			if err != nil {
				emitError("%s: %v", cmd, err)
				continue
			}
			var node *memberlist.Node
			for _, n := range list.Members() {
				if n.Name == target {
					node = n
					break
				}
			}
			if node == nil {
				emitError("%s: no member named %q", cmd, target)
				continue
			}
			mode := "udp"
			if strings.HasPrefix(cmd, "send-reliable") {
				mode = "tcp"
				err = list.SendReliable(node, payload)
			} else {
				err = list.SendBestEffort(node, payload)
			}
			if err != nil {
				emitError("%s to %s: %v", cmd, target, err)
				continue
			}
			emit(M{"event": "sent", "mode": mode, "to": target, "bytes": len(payload)})
		case "meta":
			d.setMeta([]byte(rest))
			if err := list.UpdateNode(*leaveTimeout); err != nil {
				emitError("meta: %v", err)
				continue
			}
			emit(M{"event": "updated"})
		case "state":
			d.setState([]byte(rest))
			emit(M{"event": "state", "bytes": len(rest)})
		case "leave":
			if err := list.Leave(*leaveTimeout); err != nil {
				emitError("leave: %v", err)
			}
			emit(M{"event": "left"})
		case "key-install", "key-use", "key-remove":
			// memberlist's own Keyring API, on the keyring the running node encrypts with.
			if conf.Keyring == nil {
				emitError("%s: no keyring (start the peer with -key)", cmd)
				continue
			}
			key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
			if err != nil {
				emitError("%s: %v", cmd, err)
				continue
			}
			switch cmd {
			case "key-install":
				err = conf.Keyring.AddKey(key)
			case "key-use":
				err = conf.Keyring.UseKey(key)
			default:
				err = conf.Keyring.RemoveKey(key)
			}
			if err != nil {
				emitError("%s: %v", cmd, err)
				continue
			}
			emit(M{"event": "keyring", "op": strings.TrimPrefix(cmd, "key-"), "keys": len(conf.Keyring.GetKeys())})
		case "keys":
			if conf.Keyring == nil {
				emit(M{"event": "keys", "keys": []string{}})
				continue
			}
			installed := conf.Keyring.GetKeys()
			encoded := make([]string, 0, len(installed))
			for _, k := range installed {
				encoded = append(encoded, base64.StdEncoding.EncodeToString(k))
			}
			emit(M{"event": "keys", "keys": encoded})
		case "quit":
			exit(false)
		default:
			emitError("unknown command %q", cmd)
		}
	}
	if err := scanner.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "peer: stdin: %v\n", err)
	}
	// End of stdin: our driver is gone, so leave and exit rather than linger.
	// (Leave is a no-op when we have already left.)
	exit(true)
}

func cut(s string) (string, string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i+1:]
}

func payloadOf(cmd, text string) ([]byte, error) {
	if strings.HasSuffix(cmd, "-b64") {
		return base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	}
	return []byte(text), nil
}
