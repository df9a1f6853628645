package memberlist

// Exports of memberlist's message structs, encoder, decoder, compound and
// packet/stream send and receive paths, for our oracle's message fixtures and
// decode command. Everything calls memberlist's own code; only the packet
// receive order (ingestPacket/handleCommand do it inline and then act on the
// messages) is repeated here, without the acting.

import (
	"bytes"
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/go-msgpack/codec"
)

// OracleNewMessage returns a pointer to a zero value of the memberlist struct
// sent with msgType (or named by a stream struct name), for JSON filling and
// for decoding into.
func OracleNewMessage(name string) (interface{}, error) {
	switch name {
	case "ping":
		return &ping{}, nil
	case "indirectPing":
		return &indirectPingReq{}, nil
	case "ack":
		return &ackResp{}, nil
	case "nack":
		return &nackResp{}, nil
	case "suspect":
		return &suspect{}, nil
	case "alive":
		return &alive{}, nil
	case "dead":
		return &dead{}, nil
	case "err":
		return &errResp{}, nil
	case "pushPullHeader":
		return &pushPullHeader{}, nil
	case "userMsgHeader":
		return &userMsgHeader{}, nil
	case "pushNodeState":
		return &pushNodeState{}, nil
	case "compress":
		return &compress{}, nil
	}
	return nil, fmt.Errorf("unknown struct %q", name)
}

// OracleMessageName maps a packet message type byte to its struct name.
func OracleMessageName(t uint8) (string, bool) {
	switch messageType(t) {
	case pingMsg:
		return "ping", true
	case indirectPingMsg:
		return "indirectPing", true
	case ackRespMsg:
		return "ack", true
	case nackRespMsg:
		return "nack", true
	case suspectMsg:
		return "suspect", true
	case aliveMsg:
		return "alive", true
	case deadMsg:
		return "dead", true
	case errMsg:
		return "err", true
	}
	return "", false
}

// OracleMakeCompound runs memberlist's makeCompoundMessage.
func OracleMakeCompound(msgs [][]byte) []byte { return makeCompoundMessage(msgs).Bytes() }

// OracleDecodeCompound runs memberlist's decodeCompoundMessage on a body
// (without the compound type byte).
func OracleDecodeCompound(buf []byte) (int, [][]byte, error) { return decodeCompoundMessage(buf) }

// OracleDecoded is one message as memberlist's decoder read it.
type OracleDecoded struct {
	Type  uint8
	Name  string
	Value interface{} `json:",omitempty"`
	User  []byte      `json:",omitempty"`
	Error string      `json:",omitempty"`
}

// OracleReceivePacket follows ingestPacket and handleCommand (net.go): CRC
// check, then by type: compound parts and compressed payloads recursively,
// user messages raw, the rest through memberlist's decode into their struct.
// Decryption is left to the caller (OracleDecryptPayload). Truncated compound
// parts are reported as an entry with Name "truncated".
func OracleReceivePacket(buf []byte) []OracleDecoded {
	if len(buf) >= 5 && messageType(buf[0]) == hasCrcMsg {
		if _, err := OracleCheckCrc(buf); err != nil {
			return []OracleDecoded{{Type: uint8(hasCrcMsg), Name: "crc", Error: err.Error()}}
		}
		buf = buf[5:]
	}
	return oracleHandleCommand(buf, 0)
}

func oracleHandleCommand(buf []byte, depth int) []OracleDecoded {
	if len(buf) < 1 {
		return []OracleDecoded{{Name: "empty", Error: "missing message type byte"}}
	}
	if depth > 8 {
		return []OracleDecoded{{Name: "depth", Error: "nested too deep"}}
	}
	t := buf[0]
	body := buf[1:]
	switch messageType(t) {
	case compoundMsg:
		trunc, parts, err := decodeCompoundMessage(body)
		if err != nil {
			return []OracleDecoded{{Type: t, Name: "compound", Error: err.Error()}}
		}
		var out []OracleDecoded
		for _, p := range parts {
			out = append(out, oracleHandleCommand(p, depth+1)...)
		}
		if trunc > 0 {
			out = append(out, OracleDecoded{Type: t, Name: "truncated", Error: fmt.Sprintf("%d truncated", trunc)})
		}
		return out
	case compressMsg:
		payload, err := decompressPayload(body)
		if err != nil {
			return []OracleDecoded{{Type: t, Name: "compress", Error: err.Error()}}
		}
		return oracleHandleCommand(payload, depth+1)
	case userMsg:
		return []OracleDecoded{{Type: t, Name: "user", User: append([]byte{}, body...)}}
	}
	name, ok := OracleMessageName(t)
	if !ok {
		return []OracleDecoded{{Type: t, Name: "unknown", Error: fmt.Sprintf("msg type (%d) not supported", t)}}
	}
	v, _ := OracleNewMessage(name)
	if err := decode(body, v); err != nil {
		return []OracleDecoded{{Type: t, Name: name, Error: err.Error()}}
	}
	return []OracleDecoded{{Type: t, Name: name, Value: v}}
}

// captureTransport records what rawSendMsgPacket writes; nothing else of the
// transport is used by that path.
type captureTransport struct {
	NodeAwareTransport
	out [][]byte
}

func (c *captureTransport) WriteToAddress(b []byte, addr Address) (time.Time, error) {
	c.out = append(c.out, append([]byte(nil), b...))
	return time.Now(), nil
}

// OracleSendPacket runs memberlist's rawSendMsgPacket: compression when it
// makes the packet smaller, CRC when the peer's PMax >= 5, encryption with
// the first key when keys are given (version by protocolVersion: 1 -> 0,
// else 1). Returns the bytes memberlist hands to the transport.
func OracleSendPacket(msg []byte, compress bool, peerPMax uint8, keys [][]byte, protocolVersion uint8) ([]byte, error) {
	conf := DefaultLANConfig()
	conf.EnableCompression = compress
	conf.ProtocolVersion = protocolVersion
	conf.GossipVerifyOutgoing = true
	if len(keys) > 0 {
		ring, err := NewKeyring(keys, keys[0])
		if err != nil {
			return nil, err
		}
		conf.Keyring = ring
	} else {
		conf.Keyring = nil
	}
	tr := &captureTransport{}
	m := &Memberlist{config: conf, transport: tr, nodeMap: map[string]*nodeState{}}
	node := &Node{Name: "peer", PMax: peerPMax}
	if err := m.rawSendMsgPacket(Address{Addr: "127.0.0.1:7946", Name: "peer"}, node, msg); err != nil {
		return nil, err
	}
	if len(tr.out) != 1 {
		return nil, fmt.Errorf("expected one packet, got %d", len(tr.out))
	}
	return tr.out[0], nil
}

// OracleStreamState is one member for a push/pull frame.
type OracleStreamState struct {
	Name        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Incarnation uint32
	State       int
	Vsn         []uint8
}

func oracleStreamMemberlist(compress bool, keys [][]byte, protocolVersion uint8, d Delegate) (*Memberlist, error) {
	conf := DefaultLANConfig()
	conf.EnableCompression = compress
	conf.ProtocolVersion = protocolVersion
	conf.Delegate = d
	conf.GossipVerifyOutgoing = true
	conf.GossipVerifyIncoming = true
	if len(keys) > 0 {
		ring, err := NewKeyring(keys, keys[0])
		if err != nil {
			return nil, err
		}
		conf.Keyring = ring
	} else {
		conf.Keyring = nil
	}
	return &Memberlist{config: conf, nodeMap: map[string]*nodeState{}}, nil
}

// oracleDelegate supplies local user state and records received user data.
type oracleDelegate struct {
	local    []byte
	received [][]byte
}

func (d *oracleDelegate) NodeMeta(limit int) []byte                  { return nil }
func (d *oracleDelegate) NotifyMsg(b []byte)                         { d.received = append(d.received, append([]byte(nil), b...)) }
func (d *oracleDelegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (d *oracleDelegate) LocalState(join bool) []byte                { return d.local }
func (d *oracleDelegate) MergeRemoteState(buf []byte, join bool)     {}

// pipeCapture runs send on one end of a net.Pipe and returns what it wrote.
func pipeCapture(send func(conn net.Conn) error) ([]byte, error) {
	a, b := net.Pipe()
	done := make(chan []byte)
	go func() {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(b)
		done <- buf.Bytes()
	}()
	err := send(a)
	a.Close()
	out := <-done
	return out, err
}

// OracleSendPushPull runs memberlist's sendLocalState with the given members
// and user state (nil for none) and returns the stream bytes.
func OracleSendPushPull(states []OracleStreamState, userState []byte, join bool, compress bool, keys [][]byte, protocolVersion uint8) ([]byte, error) {
	d := &oracleDelegate{local: userState}
	m, err := oracleStreamMemberlist(compress, keys, protocolVersion, d)
	if err != nil {
		return nil, err
	}
	for _, s := range states {
		m.nodes = append(m.nodes, &nodeState{
			Node: Node{
				Name: s.Name, Addr: s.Addr, Port: s.Port, Meta: s.Meta,
				PMin: s.Vsn[0], PMax: s.Vsn[1], PCur: s.Vsn[2], DMin: s.Vsn[3], DMax: s.Vsn[4], DCur: s.Vsn[5],
			},
			Incarnation: s.Incarnation,
			State:       NodeStateType(s.State),
		})
	}
	return pipeCapture(func(conn net.Conn) error { return m.sendLocalState(conn, join) })
}

// OracleSendUserStream builds a reliable user message as sendUserMsg does
// (type byte, msgpack userMsgHeader, the bytes) and runs it through
// rawSendMsgStream (compression, encryption).
func OracleSendUserStream(msg []byte, compress bool, keys [][]byte, protocolVersion uint8) ([]byte, error) {
	m, err := oracleStreamMemberlist(compress, keys, protocolVersion, nil)
	if err != nil {
		return nil, err
	}
	bufConn := bytes.NewBuffer(nil)
	bufConn.WriteByte(byte(userMsg))
	header := userMsgHeader{UserMsgLen: len(msg)}
	hd := codec.MsgpackHandle{}
	if err := codec.NewEncoder(bufConn, &hd).Encode(&header); err != nil {
		return nil, err
	}
	bufConn.Write(msg)
	return pipeCapture(func(conn net.Conn) error { return m.rawSendMsgStream(conn, bufConn.Bytes()) })
}

// OracleSendStreamMessage runs rawSendMsgStream on an encoded message (a
// stream ping, ack or err response).
func OracleSendStreamMessage(msg []byte, compress bool, keys [][]byte, protocolVersion uint8) ([]byte, error) {
	m, err := oracleStreamMemberlist(compress, keys, protocolVersion, nil)
	if err != nil {
		return nil, err
	}
	return pipeCapture(func(conn net.Conn) error { return m.rawSendMsgStream(conn, msg) })
}

// OracleStreamResult is what memberlist's stream reader made of a frame.
type OracleStreamResult struct {
	Type      uint8
	Join      bool                `json:",omitempty"`
	States    []pushNodeState     `json:",omitempty"`
	UserState []byte              `json:",omitempty"`
	User      [][]byte            `json:",omitempty"`
	Value     interface{}         `json:",omitempty"`
	Error     string              `json:",omitempty"`
}

// OracleReceiveStream runs memberlist's readStream (decryption when keys are
// given, decompression) and then readRemoteState, readUserMsg or decode, as
// handleConn and sendAndReceiveState do.
func OracleReceiveStream(frame []byte, keys [][]byte) OracleStreamResult {
	d := &oracleDelegate{}
	m, err := oracleStreamMemberlist(false, keys, ProtocolVersionMax, d)
	if err != nil {
		return OracleStreamResult{Error: err.Error()}
	}
	a, b := net.Pipe()
	go func() {
		_, _ = a.Write(frame)
		a.Close()
	}()
	defer b.Close()
	msgType, bufConn, dec, err := m.readStream(b)
	if err != nil {
		return OracleStreamResult{Error: err.Error()}
	}
	res := OracleStreamResult{Type: uint8(msgType)}
	switch msgType {
	case pushPullMsg:
		join, nodes, user, err := m.readRemoteState(bufConn, dec)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		res.Join, res.States, res.UserState = join, nodes, user
	case userMsg:
		if err := m.readUserMsg(bufConn, dec); err != nil {
			res.Error = err.Error()
			return res
		}
		res.User = d.received
	default:
		name, ok := OracleMessageName(uint8(msgType))
		if !ok {
			res.Error = fmt.Sprintf("unexpected stream message type %d", msgType)
			return res
		}
		v, _ := OracleNewMessage(name)
		if err := dec.Decode(v); err != nil {
			res.Error = err.Error()
			return res
		}
		res.Value = v
	}
	return res
}
