package memberlist

// Exports of memberlist's security, compression and CRC code for our oracle.
// Everything here calls memberlist's own functions; where memberlist does the
// work inline (the CRC framing in net.go, the stream label from upstream's
// label.go, which Debian's 0.2.2 lacks) the wrapper repeats those few lines
// and says so.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// OracleEncryptPayload runs memberlist's encryptPayload (random nonce).
func OracleEncryptPayload(vsn uint8, key, msg, aad []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := encryptPayload(encryptionVersion(vsn), key, msg, aad, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// OracleDecryptPayload runs memberlist's decryptPayload over every key.
func OracleDecryptPayload(keys [][]byte, msg, aad []byte) ([]byte, error) {
	// decryptPayload works in place; keep the caller's bytes intact.
	return decryptPayload(keys, append([]byte(nil), msg...), aad)
}

// OracleEncryptOverhead is memberlist's encryptOverhead.
func OracleEncryptOverhead(vsn uint8) int { return encryptOverhead(encryptionVersion(vsn)) }

// OracleEncryptedLength is memberlist's encryptedLength.
func OracleEncryptedLength(vsn uint8, n int) int { return encryptedLength(encryptionVersion(vsn), n) }

// OracleCompressPayload runs memberlist's compressPayload: type byte 9 and
// the msgpack compress{Algo, Buf} with Buf from compress/lzw.
func OracleCompressPayload(inp []byte) ([]byte, error) {
	buf, err := compressPayload(inp)
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// OracleDecompressPayload runs memberlist's decompressPayload on a compress
// message without its type byte (as handleCompressed receives it).
func OracleDecompressPayload(msg []byte) ([]byte, error) { return decompressPayload(msg) }

// OracleDecompressBuffer runs memberlist's decompressBuffer on raw LZW bytes.
func OracleDecompressBuffer(buf []byte) ([]byte, error) {
	return decompressBuffer(&compress{Algo: lzwAlgo, Buf: buf})
}

// OracleAddCrc frames a packet as rawSendMsgPacket does for protocol >= 5
// (net.go does it inline): hasCrcMsg, CRC32-IEEE big-endian, payload.
func OracleAddCrc(msg []byte) []byte {
	header := make([]byte, 5, 5+len(msg))
	header[0] = byte(hasCrcMsg)
	binary.BigEndian.PutUint32(header[1:], crc32.ChecksumIEEE(msg))
	return append(header, msg...)
}

// OracleCheckCrc checks a packet as ingestPacket does (inline in net.go): a
// packet of 5+ bytes starting with hasCrcMsg must carry the payload's CRC;
// any other packet passes through unchanged.
func OracleCheckCrc(buf []byte) ([]byte, error) {
	if len(buf) >= 5 && messageType(buf[0]) == hasCrcMsg {
		crc := crc32.ChecksumIEEE(buf[5:])
		expected := binary.BigEndian.Uint32(buf[1:5])
		if crc != expected {
			return nil, fmt.Errorf("invalid checksum %x, expected %x", crc, expected)
		}
		return buf[5:], nil
	}
	return buf, nil
}

func oracleMemberlist(keys [][]byte, protocolVersion uint8) (*Memberlist, error) {
	ring, err := NewKeyring(keys, keys[0])
	if err != nil {
		return nil, err
	}
	return &Memberlist{config: &Config{Keyring: ring, ProtocolVersion: protocolVersion}}, nil
}

// OracleEncryptStream runs memberlist's encryptLocalState: encryptMsg, the
// 4-byte big-endian length, then the encrypted payload with the first five
// bytes as additional data. Protocol version 1 selects encryption version 0.
func OracleEncryptStream(key []byte, protocolVersion uint8, msg []byte) ([]byte, error) {
	m, err := oracleMemberlist([][]byte{key}, protocolVersion)
	if err != nil {
		return nil, err
	}
	return m.encryptLocalState(msg)
}

// OracleDecryptStream runs memberlist's decryptRemoteState on a frame that
// starts with the encryptMsg byte (readStream consumes that byte first).
func OracleDecryptStream(keys [][]byte, frame []byte) ([]byte, error) {
	if len(frame) < 1 || messageType(frame[0]) != encryptMsg {
		return nil, fmt.Errorf("not an encrypted stream frame")
	}
	m, err := oracleMemberlist(keys, ProtocolVersionMax)
	if err != nil {
		return nil, err
	}
	return m.decryptRemoteState(bytes.NewReader(frame[1:]))
}

// OracleEncryptStreamLabelled is upstream's encryptLocalState with a stream
// label (not in 0.2.2): the additional data is the five header bytes followed
// by the label, and memberlist's own encryptPayload does the sealing.
func OracleEncryptStreamLabelled(vsn uint8, key, msg []byte, label string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(byte(encryptMsg))
	size := make([]byte, 4)
	binary.BigEndian.PutUint32(size, uint32(encryptedLength(encryptionVersion(vsn), len(msg))))
	buf.Write(size)
	aad := append(append([]byte(nil), buf.Bytes()[:5]...), label...)
	if err := encryptPayload(encryptionVersion(vsn), key, msg, aad, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// OracleDecryptStreamLabelled is upstream's decryptRemoteState with a stream
// label, over a whole frame that starts with the encryptMsg byte.
func OracleDecryptStreamLabelled(keys [][]byte, frame []byte, label string) ([]byte, error) {
	if len(frame) < 5 || messageType(frame[0]) != encryptMsg {
		return nil, fmt.Errorf("not an encrypted stream frame")
	}
	size := binary.BigEndian.Uint32(frame[1:5])
	if int(size) != len(frame)-5 {
		return nil, fmt.Errorf("frame length %d, header says %d", len(frame)-5, size)
	}
	aad := append(append([]byte(nil), frame[:5]...), label...)
	return OracleDecryptPayload(keys, frame[5:], aad)
}

// OracleHasLabelMsg is the label header's type byte in upstream memberlist
// (hasLabelMsg = 244); 0.2.2 has no such message type.
const OracleHasLabelMsg = 244

// OracleCompressBufferOf decodes a compress message (without its type byte)
// and returns the raw compress/lzw bytes inside it.
func OracleCompressBufferOf(msg []byte) ([]byte, error) {
	var c compress
	if err := decode(msg, &c); err != nil {
		return nil, err
	}
	return c.Buf, nil
}
