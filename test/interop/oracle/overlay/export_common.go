package memberlist

// OracleEncode exposes memberlist's message encoder (type byte + msgpack body) to our oracle.
func OracleEncode(msgType uint8, in interface{}) ([]byte, error) {
	buf, err := encode(messageType(msgType), in)
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
