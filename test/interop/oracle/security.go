package main

// Commands for the wire's byte transforms: LZW, CRC framing, encryption and
// labels. They run memberlist's own code through overlay/export_security.go.
//
//   security-fixtures <dir>   write fixture files and manifest.json
//   security-batch            JSON array of requests on stdin, results on stdout
//   decrypt <keyhex,...> <aadhex> <file>   print the plaintext as hex
//   decompress <file>         raw LZW (LSB, 8) bytes in, hex out

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"math/rand"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/memberlist"
)

func init() {
	commands["security-fixtures"] = securityFixtures
	commands["security-batch"] = securityBatch
	commands["decrypt"] = func(args []string) error {
		if len(args) != 3 {
			return fmt.Errorf("usage: decrypt <keyhex,...> <aadhex> <file>")
		}
		var keys [][]byte
		for _, k := range strings.Split(args[0], ",") {
			key, err := hex.DecodeString(k)
			if err != nil {
				return err
			}
			keys = append(keys, key)
		}
		aad, err := hex.DecodeString(args[1])
		if err != nil {
			return err
		}
		data, err := ioutil.ReadFile(args[2])
		if err != nil {
			return err
		}
		plain, err := memberlist.OracleDecryptPayload(keys, data, aad)
		if err != nil {
			return err
		}
		fmt.Println(hex.EncodeToString(plain))
		return nil
	}
	commands["decompress"] = func(args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("usage: decompress <file>")
		}
		data, err := ioutil.ReadFile(args[0])
		if err != nil {
			return err
		}
		plain, err := memberlist.OracleDecompressBuffer(data)
		if err != nil {
			return err
		}
		fmt.Println(hex.EncodeToString(plain))
		return nil
	}
}

// securityRequest is one operation of security-batch. []byte fields are base64 in JSON.
type securityRequest struct {
	Op      string   `json:"op"`
	Data    []byte   `json:"data"`
	Keys    [][]byte `json:"keys,omitempty"`
	Key     []byte   `json:"key,omitempty"`
	Aad     []byte   `json:"aad,omitempty"`
	Label   string   `json:"label,omitempty"`
	Version uint8    `json:"version,omitempty"`
}

type securityResult struct {
	Ok    bool   `json:"ok"`
	Out   []byte `json:"out,omitempty"`
	Error string `json:"error,omitempty"`
}

func securityBatch(args []string) error {
	var reqs []securityRequest
	if err := json.NewDecoder(os.Stdin).Decode(&reqs); err != nil {
		return err
	}
	results := make([]securityResult, len(reqs))
	for i, r := range reqs {
		out, err := runSecurityOp(r)
		if err != nil {
			results[i] = securityResult{Ok: false, Error: err.Error()}
		} else {
			results[i] = securityResult{Ok: true, Out: out}
		}
	}
	return json.NewEncoder(os.Stdout).Encode(results)
}

func runSecurityOp(r securityRequest) (out []byte, err error) {
	// A panic inside memberlist (e.g. pkcs7decode on a hostile pad byte) is a
	// result the tests want to see, not a crash of the whole batch.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	switch r.Op {
	case "lzw-compress":
		return lzwCompressRaw(r.Data)
	case "lzw-decompress":
		return memberlist.OracleDecompressBuffer(r.Data)
	case "compress-payload":
		return memberlist.OracleCompressPayload(r.Data)
	case "decompress-payload":
		return memberlist.OracleDecompressPayload(r.Data)
	case "crc-add":
		return memberlist.OracleAddCrc(r.Data), nil
	case "crc-check":
		return memberlist.OracleCheckCrc(r.Data)
	case "encrypt":
		return memberlist.OracleEncryptPayload(r.Version, r.Key, r.Data, r.Aad)
	case "decrypt":
		return memberlist.OracleDecryptPayload(r.Keys, r.Data, r.Aad)
	case "decrypt-stream":
		if r.Label == "" {
			return memberlist.OracleDecryptStream(r.Keys, r.Data)
		}
		return memberlist.OracleDecryptStreamLabelled(r.Keys, r.Data, r.Label)
	case "remove-label":
		rest, label, err := removeLabelHeaderFromPacket(r.Data)
		if err != nil {
			return nil, err
		}
		return append([]byte{byte(len(label))}, append([]byte(label), rest...)...), nil
	}
	return nil, fmt.Errorf("unknown op %q", r.Op)
}

// lzwCompressRaw extracts compress/lzw's output from memberlist's
// compressPayload by decoding the compress message it wraps it in.
func lzwCompressRaw(data []byte) ([]byte, error) {
	msg, err := memberlist.OracleCompressPayload(data)
	if err != nil {
		return nil, err
	}
	return memberlist.OracleCompressBufferOf(msg[1:])
}

// makeLabelHeader and removeLabelHeaderFromPacket follow upstream
// hashicorp/memberlist label.go (Debian's 0.2.2 has no labels): type 244, a
// length byte (1..255), the label bytes.
func makeLabelHeader(label string, rest []byte) []byte {
	if label == "" {
		return rest
	}
	out := []byte{memberlist.OracleHasLabelMsg, byte(len(label))}
	out = append(out, label...)
	return append(out, rest...)
}

func removeLabelHeaderFromPacket(buf []byte) ([]byte, string, error) {
	if len(buf) == 0 || buf[0] != memberlist.OracleHasLabelMsg {
		return buf, "", nil
	}
	if len(buf) < 2 {
		return nil, "", fmt.Errorf("cannot decode label; packet has been truncated")
	}
	size := int(buf[1])
	if size < 1 {
		return nil, "", fmt.Errorf("label header cannot be empty when present")
	}
	if len(buf) < 2+size {
		return nil, "", fmt.Errorf("cannot decode label; packet has been truncated")
	}
	return buf[2+size:], string(buf[2 : 2+size]), nil
}

// --- fixtures -------------------------------------------------------------

type lzwFixture struct {
	Name   string `json:"name"`
	Input  string `json:"input"`  // file with the plain bytes
	Output string `json:"output"` // file with Go's compress/lzw bytes
	// Payload: memberlist's compressPayload output (type 9 + msgpack), a file.
	Payload string `json:"payload"`
}

type crcFixture struct {
	Name    string `json:"name"`
	Payload string `json:"payload"` // hex
	Packet  string `json:"packet"`  // hex
}

type encryptFixture struct {
	Name      string   `json:"name"`
	Version   uint8    `json:"version"`
	KeyHex    string   `json:"key"`  // the key Go encrypted with
	Keys      []string `json:"keys"` // a keyring (hex) that contains it, not first
	Aad       string   `json:"aad"`  // hex
	Plaintext string   `json:"plaintext"`
	Data      string   `json:"data"` // version byte, nonce, ciphertext, tag (hex)
}

type packetFixture struct {
	// A whole outgoing packet as upstream memberlist builds it: label header,
	// then the encrypted (label as additional data) CRC-framed payload.
	Name      string `json:"name"`
	Label     string `json:"label"`
	Version   uint8  `json:"version"`
	KeyHex    string `json:"key"`
	Plaintext string `json:"plaintext"`
	Packet    string `json:"packet"`
}

type streamFixture struct {
	Name      string `json:"name"`
	Label     string `json:"label"` // "" = Debian's encryptLocalState; else upstream's AAD rule
	Version   uint8  `json:"version"`
	KeyHex    string `json:"key"`
	Plaintext string `json:"plaintext"`
	Frame     string `json:"frame"` // label header (if any), encryptMsg, length, payload
}

type securityManifest struct {
	Note      string           `json:"note"`
	Overhead  map[string]int   `json:"encryptOverhead"`
	Lzw       []lzwFixture     `json:"lzw"`
	Crc       []crcFixture     `json:"crc"`
	Encrypted []encryptFixture `json:"encrypted"`
	Packets   []packetFixture  `json:"packets"`
	Streams   []streamFixture  `json:"streams"`
}

func securityFixtures(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: security-fixtures <dir>")
	}
	dir := args[0]
	if err := os.MkdirAll(filepath.Join(dir, "lzw"), 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewSource(20240607))
	m := securityManifest{
		Note:     "Generated by test/interop/regen-security-fixtures.sh from HashiCorp memberlist (Debian 0.2.2) and Go compress/lzw; labels follow upstream label.go.",
		Overhead: map[string]int{"0": memberlist.OracleEncryptOverhead(0), "1": memberlist.OracleEncryptOverhead(1)},
	}

	randomBytes := func(n int) []byte {
		b := make([]byte, n)
		rng.Read(b)
		return b
	}
	fromAlphabet := func(n int, alphabet string) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return b
	}
	words := strings.Fields("memberlist gossip alive suspect dead ping ack nack node incarnation probe the a of to cluster consul serf nomad 10.0.0.1 7946 push pull state")
	text := func(n int) []byte {
		var sb strings.Builder
		for sb.Len() < n {
			sb.WriteString(words[rng.Intn(len(words))])
			sb.WriteByte(' ')
		}
		return []byte(sb.String()[:n])
	}
	// The same uint32 LCG the TypeScript tests use: its 3949-byte prefix makes
	// the dictionary reach 4095 exactly on Close, so Go writes a clear code
	// between the last code and the end code.
	lcg := make([]byte, 4300)
	for i, x := 0, uint32(12345); i < len(lcg); i++ {
		x = x*1103515245 + 12345
		lcg[i] = byte(x >> 24)
	}
	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	inputs := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"one-byte", []byte{0x42}},
		{"two-same", []byte{7, 7}},
		{"tobeornot", []byte("TOBEORNOTTOBEORTOBEORNOT#")},
		{"run-a-10000", []byte(strings.Repeat("a", 10000))},
		{"all-bytes", allBytes},
		{"random-300", randomBytes(300)},
		{"random-8192-resets", randomBytes(8192)},
		{"alphabet4-20000", fromAlphabet(20000, "ACGT")},
		{"lcg-3949-reset-on-close", lcg[:3949]},
		{"text-1400", text(1400)},
		{"text-65536", text(65536)},
	}
	for _, in := range inputs {
		payload, err := memberlist.OracleCompressPayload(in.data)
		if err != nil {
			return err
		}
		raw, err := memberlist.OracleCompressBufferOf(payload[1:])
		if err != nil {
			return err
		}
		f := lzwFixture{Name: in.name, Input: "lzw/" + in.name + ".in", Output: "lzw/" + in.name + ".lzw", Payload: "lzw/" + in.name + ".msg"}
		for file, b := range map[string][]byte{f.Input: in.data, f.Output: raw, f.Payload: payload} {
			if err := ioutil.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
				return err
			}
		}
		m.Lzw = append(m.Lzw, f)
	}

	for _, p := range [][]byte{nil, {0}, []byte("hello, memberlist"), randomBytes(1400)} {
		m.Crc = append(m.Crc, crcFixture{Name: fmt.Sprintf("crc-%d", len(p)), Payload: hex.EncodeToString(p), Packet: hex.EncodeToString(memberlist.OracleAddCrc(p))})
	}

	keyOf := func(size int, fill byte) []byte {
		k := make([]byte, size)
		for i := range k {
			k[i] = fill + byte(i)
		}
		return k
	}
	other := keyOf(16, 0xa0)
	plains := [][]byte{nil, []byte("x"), []byte("sixteen bytes!!!"), randomBytes(100)}
	for _, vsn := range []uint8{0, 1} {
		for _, size := range []int{16, 24, 32} {
			key := keyOf(size, byte(size))
			for pi, plain := range plains {
				for _, aad := range [][]byte{nil, []byte("cluster-a")} {
					data, err := memberlist.OracleEncryptPayload(vsn, key, plain, aad)
					if err != nil {
						return err
					}
					m.Encrypted = append(m.Encrypted, encryptFixture{
						Name:      fmt.Sprintf("v%d-aes%d-p%d-aad%d", vsn, size*8, pi, len(aad)),
						Version:   vsn,
						KeyHex:    hex.EncodeToString(key),
						Keys:      []string{hex.EncodeToString(other), hex.EncodeToString(key)},
						Aad:       hex.EncodeToString(aad),
						Plaintext: hex.EncodeToString(plain),
						Data:      hex.EncodeToString(data),
					})
				}
			}
		}
	}

	for _, label := range []string{"", "prod", strings.Repeat("L", 255), "名前"} {
		for _, vsn := range []uint8{0, 1} {
			key := keyOf(32, 1)
			plain := randomBytes(40)
			framed := memberlist.OracleAddCrc(plain)
			enc, err := memberlist.OracleEncryptPayload(vsn, key, framed, []byte(label))
			if err != nil {
				return err
			}
			name := fmt.Sprintf("label%d-v%d", len(label), vsn)
			m.Packets = append(m.Packets, packetFixture{Name: name, Label: label, Version: vsn, KeyHex: hex.EncodeToString(key), Plaintext: hex.EncodeToString(plain), Packet: hex.EncodeToString(makeLabelHeader(label, enc))})

			var frame []byte
			if label == "" {
				// Debian's own encryptLocalState; protocol 1 selects encryption version 0.
				pv := uint8(memberlist.ProtocolVersionMax)
				if vsn == 0 {
					pv = 1
				}
				frame, err = memberlist.OracleEncryptStream(key, pv, plain)
			} else {
				frame, err = memberlist.OracleEncryptStreamLabelled(vsn, key, plain, label)
			}
			if err != nil {
				return err
			}
			m.Streams = append(m.Streams, streamFixture{Name: name, Label: label, Version: vsn, KeyHex: hex.EncodeToString(key), Plaintext: hex.EncodeToString(plain), Frame: hex.EncodeToString(makeLabelHeader(label, frame))})
		}
	}

	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return ioutil.WriteFile(filepath.Join(dir, "manifest.json"), append(js, '\n'), 0o644)
}
