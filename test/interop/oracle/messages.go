package main

// Commands for the wire's message codec, run through memberlist's own
// encoder, decoder, compound, packet and stream code (overlay/export_messages.go).
//
//   fixtures <dir>   write message, packet and stream fixtures and manifest.json
//   decode           JSON lines on stdin: {"kind":"packet"|"stream","hex":..,
//                    "keys":[hex..],"label":".."}; one JSON line out per request
//                    with what memberlist decoded

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/memberlist"
)

func init() {
	commands["fixtures"] = messageFixtures
	commands["decode"] = decodeCommand
}

// M is a loose JSON object.
type M = map[string]interface{}

func ip(s string) []byte {
	p := net.ParseIP(s)
	if v4 := p.To4(); v4 != nil {
		return v4
	}
	return p
}

func hx(b []byte) string { return hex.EncodeToString(b) }

// encodeStruct fills memberlist's own struct for name from fields (JSON
// round trip: []byte fields travel as base64) and encodes it with msgType.
func encodeStruct(name string, msgType uint8, fields M) []byte {
	v, err := memberlist.OracleNewMessage(name)
	must(err)
	raw, err := json.Marshal(fields)
	must(err)
	must(json.Unmarshal(raw, v))
	out, err := memberlist.OracleEncode(msgType, v)
	must(err)
	return out
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

type fixture struct {
	Name     string      `json:"name"`
	File     string      `json:"file"`
	Kind     string      `json:"kind"` // message | packet | stream
	Reencode bool        `json:"reencode"`
	Keys     []string    `json:"keys,omitempty"`
	Label    string      `json:"label,omitempty"`
	Expected interface{} `json:"expected"`
	Note     string      `json:"note,omitempty"`
	bytes    []byte
}

type msgCase struct {
	name     string
	bytes    []byte
	expected M
	reencode bool
}

func messageCases() []msgCase {
	var cs []msgCase
	add := func(name string, b []byte, exp M, reencode bool) {
		cs = append(cs, msgCase{name, b, exp, reencode})
	}
	long := strings.Repeat("n", 40)
	longer := strings.Repeat("node-", 60) // 300 bytes: str16
	uni := "nœud-ü-节点"

	// ping: omitempty Source* absent, present, partly present
	add("ping-minimal", encodeStruct("ping", 0, M{"SeqNo": 1, "Node": "a"}),
		M{"_tag": "Ping", "seqNo": 1, "node": "a"}, true)
	add("ping-empty-node", encodeStruct("ping", 0, M{"SeqNo": 0, "Node": ""}),
		M{"_tag": "Ping", "seqNo": 0, "node": ""}, true)
	add("ping-source-v4", encodeStruct("ping", 0, M{"SeqNo": 4294967295, "Node": long, "SourceAddr": ip("10.1.2.3"), "SourcePort": 7946, "SourceNode": "src"}),
		M{"_tag": "Ping", "seqNo": 4294967295, "node": long, "source": M{"address": M{"host": "10.1.2.3", "port": 7946}, "node": "src"}}, true)
	add("ping-source-v6", encodeStruct("ping", 0, M{"SeqNo": 300, "Node": uni, "SourceAddr": ip("2001:db8::1"), "SourcePort": 65535, "SourceNode": longer}),
		M{"_tag": "Ping", "seqNo": 300, "node": uni, "source": M{"address": M{"host": "2001:db8::1", "port": 65535}, "node": longer}}, true)
	add("ping-source-no-port-no-node", encodeStruct("ping", 0, M{"SeqNo": 128, "Node": "b", "SourceAddr": ip("192.168.0.1")}),
		M{"_tag": "Ping", "seqNo": 128, "node": "b", "source": M{"address": M{"host": "192.168.0.1", "port": 0}, "node": ""}}, true)

	// indirect ping
	add("indirect-ping-v4", encodeStruct("indirectPing", 1, M{"SeqNo": 7, "Target": ip("10.0.0.9"), "Port": 7946, "Node": "t", "Nack": true}),
		M{"_tag": "IndirectPing", "seqNo": 7, "target": M{"host": "10.0.0.9", "port": 7946}, "node": "t", "nack": true}, true)
	add("indirect-ping-v6-source", encodeStruct("indirectPing", 1, M{"SeqNo": 65536, "Target": ip("fe80::1:2"), "Port": 1, "Node": long, "Nack": false, "SourceAddr": ip("::1"), "SourcePort": 8000, "SourceNode": "me"}),
		M{"_tag": "IndirectPing", "seqNo": 65536, "target": M{"host": "fe80::1:2", "port": 1}, "node": long, "nack": false, "source": M{"address": M{"host": "::1", "port": 8000}, "node": "me"}}, true)

	// ack: nil payload (Go's usual), empty non-nil payload, payload
	add("ack-nil-payload", encodeStruct("ack", 2, M{"SeqNo": 9}),
		M{"_tag": "Ack", "seqNo": 9, "payload": ""}, true)
	add("ack-empty-payload", encodeStruct("ack", 2, M{"SeqNo": 9, "Payload": []byte{}}),
		M{"_tag": "Ack", "seqNo": 9, "payload": ""}, false)
	add("ack-payload", encodeStruct("ack", 2, M{"SeqNo": 255, "Payload": []byte("ack-payload-bytes-0123456789-abcdef")}),
		M{"_tag": "Ack", "seqNo": 255, "payload": hx([]byte("ack-payload-bytes-0123456789-abcdef"))}, true)

	add("nack", encodeStruct("nack", 11, M{"SeqNo": 70000}), M{"_tag": "Nack", "seqNo": 70000}, true)

	add("suspect", encodeStruct("suspect", 3, M{"Incarnation": 3, "Node": "x", "From": "y"}),
		M{"_tag": "Suspect", "incarnation": 3, "node": "x", "from": "y"}, true)
	add("suspect-large", encodeStruct("suspect", 3, M{"Incarnation": 4294967295, "Node": longer, "From": uni}),
		M{"_tag": "Suspect", "incarnation": 4294967295, "node": longer, "from": uni}, true)
	add("dead", encodeStruct("dead", 5, M{"Incarnation": 0, "Node": "x", "From": "x"}),
		M{"_tag": "Dead", "incarnation": 0, "node": "x", "from": "x"}, true)
	add("dead-large", encodeStruct("dead", 5, M{"Incarnation": 65535, "Node": long, "From": "z"}),
		M{"_tag": "Dead", "incarnation": 65535, "node": long, "from": "z"}, true)

	vsn := []uint8{1, 5, 2, 0, 0, 0}
	vsnJ := []int{1, 5, 2, 0, 0, 0}
	add("alive-v4-nil-meta", encodeStruct("alive", 4, M{"Incarnation": 1, "Node": "a", "Addr": ip("127.0.0.1"), "Port": 7946, "Vsn": vsn}),
		M{"_tag": "Alive", "incarnation": 1, "node": "a", "address": M{"host": "127.0.0.1", "port": 7946}, "meta": "", "versions": vsnJ}, true)
	meta := []byte(strings.Repeat("m", 100))
	add("alive-v6-meta", encodeStruct("alive", 4, M{"Incarnation": 4294967295, "Node": uni, "Addr": ip("2001:db8:0:0:1:0:0:1"), "Port": 65535, "Meta": meta, "Vsn": []uint8{1, 5, 5, 2, 4, 3}}),
		M{"_tag": "Alive", "incarnation": 4294967295, "node": uni, "address": M{"host": "2001:db8::1:0:0:1", "port": 65535}, "meta": hx(meta), "versions": []int{1, 5, 5, 2, 4, 3}}, true)
	add("alive-empty-meta", encodeStruct("alive", 4, M{"Incarnation": 2, "Node": longer, "Addr": ip("10.0.0.1"), "Port": 1, "Meta": []byte{}, "Vsn": vsn}),
		M{"_tag": "Alive", "incarnation": 2, "node": longer, "address": M{"host": "10.0.0.1", "port": 1}, "meta": "", "versions": vsnJ}, false)
	add("alive-max-meta", encodeStruct("alive", 4, M{"Incarnation": 2, "Node": "m", "Addr": ip("10.0.0.1"), "Port": 2, "Meta": []byte(strings.Repeat("z", 512)), "Vsn": vsn}),
		M{"_tag": "Alive", "incarnation": 2, "node": "m", "address": M{"host": "10.0.0.1", "port": 2}, "meta": hx([]byte(strings.Repeat("z", 512))), "versions": vsnJ}, true)
	add("alive-no-vsn", encodeStruct("alive", 4, M{"Incarnation": 2, "Node": "old", "Addr": ip("10.0.0.2"), "Port": 3}),
		M{"_tag": "Alive", "incarnation": 2, "node": "old", "address": M{"host": "10.0.0.2", "port": 3}, "meta": "", "versions": []int{0, 0, 0, 0, 0, 0}}, false)

	add("user-empty", []byte{8}, M{"_tag": "User", "payload": ""}, true)
	add("user", append([]byte{8}, []byte("hello, user")...), M{"_tag": "User", "payload": hx([]byte("hello, user"))}, true)
	add("err", encodeStruct("err", 13, M{"Error": "remote error: something"}), M{"_tag": "ErrorResponse", "error": "remote error: something"}, true)
	return cs
}

func messageFixtures(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: fixtures <dir>")
	}
	dir := args[0]
	var fx []fixture
	cases := messageCases()
	byName := map[string]msgCase{}
	for _, c := range cases {
		byName[c.name] = c
		fx = append(fx, fixture{Name: c.name, Kind: "message", Reencode: c.reencode, Expected: c.expected, bytes: c.bytes})
	}
	exp := func(names ...string) []M {
		out := []M{}
		for _, n := range names {
			out = append(out, byName[n].expected)
		}
		return out
	}
	parts := func(names ...string) [][]byte {
		var out [][]byte
		for _, n := range names {
			out = append(out, byName[n].bytes)
		}
		return out
	}
	pkt := func(name string, b []byte, messages []M, truncated int, reencode bool, keys []string, label string, note string) {
		fx = append(fx, fixture{Name: name, Kind: "packet", Reencode: reencode, Keys: keys, Label: label,
			Expected: M{"messages": messages, "truncated": truncated}, Note: note, bytes: b})
	}

	// Compound packets.
	c1 := []string{"ping-source-v4", "alive-v4-nil-meta", "user", "suspect", "ack-payload"}
	compound := memberlist.OracleMakeCompound(parts(c1...))
	pkt("compound", compound, exp(c1...), 0, true, nil, "", "makeCompoundMessage")
	pkt("compound-one", memberlist.OracleMakeCompound(parts("nack")), exp("nack"), 0, true, nil, "", "")
	pkt("compound-truncated", compound[:len(compound)-3], exp(c1[:4]...), 1, false, nil, "", "last part cut by 3 bytes")
	var many []string
	for i := 0; i < 100; i++ {
		many = append(many, "user-empty")
	}
	pkt("compound-100-parts", memberlist.OracleMakeCompound(parts(many...)), exp(many...), 0, true, nil, "", "")

	// Compression (only when smaller, as rawSendMsgPacket does), CRC, both.
	rep := []string{"alive-v4-nil-meta", "alive-v4-nil-meta", "alive-v4-nil-meta", "suspect", "suspect", "dead", "dead"}
	repCompound := memberlist.OracleMakeCompound(parts(rep...))
	send := func(msg []byte, compress bool, pmax uint8, keys [][]byte, pv uint8) []byte {
		b, err := memberlist.OracleSendPacket(msg, compress, pmax, keys, pv)
		must(err)
		return b
	}
	pkt("compressed", send(repCompound, true, 4, nil, 5), exp(rep...), 0, true, nil, "", "rawSendMsgPacket with EnableCompression, peer PMax 4")
	pkt("compressed-single", send(byName["alive-max-meta"].bytes, true, 4, nil, 5), exp("alive-max-meta"), 0, true, nil, "", "")
	pkt("crc", send(byName["ping-source-v4"].bytes, false, 5, nil, 5), exp("ping-source-v4"), 0, true, nil, "", "peer PMax 5")
	pkt("compressed-crc", send(repCompound, true, 5, nil, 5), exp(rep...), 0, true, nil, "", "")
	// A compressed payload inside a compound (handleCommand recurses both ways).
	inner, err := memberlist.OracleCompressPayload(memberlist.OracleMakeCompound(parts("ping-minimal", "ack-nil-payload")))
	must(err)
	pkt("nested-compound-compress", memberlist.OracleMakeCompound([][]byte{inner, byName["nack"].bytes}), exp("ping-minimal", "ack-nil-payload", "nack"), 0, true, nil, "", "compound[compress(compound[ping, ack]), nack]")

	// Encrypted packets: the whole pipeline, random nonces (decode-only).
	k16 := []byte("0123456789abcdef")
	k24 := []byte("0123456789abcdef01234567")
	k32 := []byte("0123456789abcdef0123456789abcdef")
	pkt("encrypted-v1-k16", send(byName["ping-source-v4"].bytes, false, 4, [][]byte{k16}, 5), exp("ping-source-v4"), 0, false, []string{hx(k16)}, "", "protocol 5: encryption version 1")
	pkt("encrypted-v0-k24", send(byName["suspect"].bytes, false, 4, [][]byte{k24}, 1), exp("suspect"), 0, false, []string{hx(k24)}, "", "protocol 1: encryption version 0 (PKCS7)")
	pkt("encrypted-compressed-crc-k32", send(repCompound, true, 5, [][]byte{k32}, 5), exp(rep...), 0, false, []string{hx(k16), hx(k32)}, "", "second key of the ring opens it")
	// Label header (upstream label.go; not in 0.2.2) + encryption with the label as additional data.
	label := "cluster-a"
	plain := memberlist.OracleAddCrc(byName["dead"].bytes)
	ct, err := memberlist.OracleEncryptPayload(1, k16, plain, []byte(label))
	must(err)
	labelled := append(append([]byte{memberlist.OracleHasLabelMsg, byte(len(label))}, label...), ct...)
	pkt("labelled-encrypted-crc", labelled, exp("dead"), 0, false, []string{hx(k16)}, label, "upstream label header, label as AAD")
	pkt("labelled-plain", append(append([]byte{memberlist.OracleHasLabelMsg, byte(len(label))}, label...), byName["nack"].bytes...), exp("nack"), 0, true, nil, label, "upstream label header")

	vsn := []uint8{1, 5, 2, 0, 0, 0}

	// Streams.
	st := func(name string, b []byte, expected M, keys []string, reencode bool, note string) {
		fx = append(fx, fixture{Name: name, Kind: "stream", Reencode: reencode, Keys: keys, Expected: expected, Note: note, bytes: b})
	}
	states := []memberlist.OracleStreamState{
		{Name: "a", Addr: ip("10.0.0.1"), Port: 7946, Meta: nil, Incarnation: 1, State: 0, Vsn: vsn},
		{Name: "b-" + strings.Repeat("x", 40), Addr: ip("2001:db8::2"), Port: 8000, Meta: []byte("meta-b"), Incarnation: 4294967295, State: 1, Vsn: []uint8{1, 5, 5, 1, 2, 2}},
		{Name: "c", Addr: ip("10.0.0.3"), Port: 1, Meta: nil, Incarnation: 3, State: 2, Vsn: vsn},
		{Name: "d", Addr: ip("10.0.0.4"), Port: 2, Meta: nil, Incarnation: 4, State: 3, Vsn: vsn},
	}
	stateJSON := func(ss []memberlist.OracleStreamState) []M {
		out := []M{}
		for _, s := range ss {
			v := []int{}
			for _, x := range s.Vsn {
				v = append(v, int(x))
			}
			out = append(out, M{"name": s.Name, "address": M{"host": net.IP(s.Addr).String(), "port": s.Port}, "meta": hx(s.Meta), "incarnation": s.Incarnation, "state": s.State, "versions": v})
		}
		return out
	}
	pp := func(ss []memberlist.OracleStreamState, user []byte, join, compress bool, keys [][]byte, pv uint8) []byte {
		b, err := memberlist.OracleSendPushPull(ss, user, join, compress, keys, pv)
		must(err)
		return b
	}
	user := []byte("user-state-bytes")
	ppExp := M{"_tag": "PushPull", "join": true, "states": stateJSON(states), "userState": hx(user)}
	st("pushpull", pp(states, user, true, false, nil, 5), ppExp, nil, true, "sendLocalState")
	st("pushpull-empty", pp(nil, nil, false, false, nil, 5), M{"_tag": "PushPull", "join": false, "states": []M{}, "userState": ""}, nil, true, "no members, no user state")
	st("pushpull-compressed", pp(states, user, true, true, nil, 5), ppExp, nil, true, "EnableCompression")
	st("pushpull-encrypted-v1", pp(states, user, true, false, [][]byte{k32}, 5), ppExp, []string{hx(k32)}, false, "")
	st("pushpull-encrypted-v0-compressed", pp(states, user, true, true, [][]byte{k16}, 1), ppExp, []string{hx(k16)}, false, "protocol 1: encryption version 0")
	var big []memberlist.OracleStreamState
	for i := 0; i < 20; i++ {
		big = append(big, memberlist.OracleStreamState{Name: fmt.Sprintf("node-%02d", i), Addr: ip(fmt.Sprintf("10.0.1.%d", i)), Port: 7946, Incarnation: uint32(i), State: 0, Vsn: vsn})
	}
	st("pushpull-20", pp(big, nil, false, false, nil, 5), M{"_tag": "PushPull", "join": false, "states": stateJSON(big), "userState": ""}, nil, true, "map16-free: 20 members")

	us := func(msg []byte, compress bool, keys [][]byte, pv uint8) []byte {
		b, err := memberlist.OracleSendUserStream(msg, compress, keys, pv)
		must(err)
		return b
	}
	umsg := []byte("reliable user message")
	st("user-stream", us(umsg, false, nil, 5), M{"_tag": "User", "payload": hx(umsg)}, nil, true, "sendUserMsg framing")
	st("user-stream-compressed", us(umsg, true, nil, 5), M{"_tag": "User", "payload": hx(umsg)}, nil, true, "")
	st("user-stream-encrypted", us(umsg, false, [][]byte{k24}, 5), M{"_tag": "User", "payload": hx(umsg)}, []string{hx(k24)}, false, "")
	sm := func(msg []byte, compress bool, keys [][]byte) []byte {
		b, err := memberlist.OracleSendStreamMessage(msg, compress, keys, 5)
		must(err)
		return b
	}
	st("stream-ping", sm(byName["ping-source-v4"].bytes, false, nil), byName["ping-source-v4"].expected, nil, true, "")
	st("stream-ack", sm(byName["ack-nil-payload"].bytes, false, nil), byName["ack-nil-payload"].expected, nil, true, "")
	st("stream-err", sm(byName["err"].bytes, false, nil), byName["err"].expected, nil, true, "")
	st("stream-ping-encrypted", sm(byName["ping-minimal"].bytes, false, [][]byte{k16}), byName["ping-minimal"].expected, []string{hx(k16)}, false, "")

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range fx {
		fx[i].File = fx[i].Kind + "/" + fx[i].Name + ".bin"
		p := filepath.Join(dir, fx[i].File)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := ioutil.WriteFile(p, fx[i].bytes, 0o644); err != nil {
			return err
		}
	}
	raw, err := json.MarshalIndent(M{"generator": "test/interop/oracle fixtures (Debian memberlist 0.2.2; labels per upstream label.go)", "fixtures": fx}, "", "  ")
	if err != nil {
		return err
	}
	return ioutil.WriteFile(filepath.Join(dir, "manifest.json"), append(raw, '\n'), 0o644)
}

type decodeRequest struct {
	Kind  string   `json:"kind"`
	Hex   string   `json:"hex"`
	Keys  []string `json:"keys"`
	Label string   `json:"label"`
}

// decodeCommand answers one JSON line per request line.
func decodeCommand(args []string) error {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		var req decodeRequest
		if err := json.Unmarshal([]byte(line), &req); err != nil {
			return err
		}
		if err := out.Encode(decodeOne(req)); err != nil {
			return err
		}
	}
	return in.Err()
}

func decodeOne(req decodeRequest) interface{} {
	buf, err := hex.DecodeString(req.Hex)
	if err != nil {
		return M{"error": err.Error()}
	}
	var keys [][]byte
	for _, k := range req.Keys {
		key, err := hex.DecodeString(k)
		if err != nil {
			return M{"error": err.Error()}
		}
		keys = append(keys, key)
	}
	switch req.Kind {
	case "packet":
		// Upstream ingestPacket order: label header, decrypt (label as AAD), then CRC and messages.
		if len(buf) > 0 && buf[0] == memberlist.OracleHasLabelMsg {
			if len(buf) < 2 || len(buf) < 2+int(buf[1]) || buf[1] == 0 {
				return M{"error": "bad label header"}
			}
			if string(buf[2:2+int(buf[1])]) != req.Label {
				return M{"error": "label mismatch"}
			}
			buf = buf[2+int(buf[1]):]
		} else if req.Label != "" {
			return M{"error": "label missing"}
		}
		if len(keys) > 0 {
			plain, err := memberlist.OracleDecryptPayload(keys, buf, []byte(req.Label))
			if err != nil {
				return M{"error": err.Error()}
			}
			buf = plain
		}
		return M{"messages": memberlist.OracleReceivePacket(buf)}
	case "stream":
		if req.Label != "" {
			return M{"error": "stream labels are not supported by the oracle's 0.2.2 stream reader"}
		}
		return memberlist.OracleReceiveStream(buf, keys)
	}
	return M{"error": "unknown kind " + req.Kind}
}
