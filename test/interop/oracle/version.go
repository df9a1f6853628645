package main

import (
	"fmt"

	"github.com/hashicorp/memberlist"
)

func init() {
	commands["version"] = func(args []string) error {
		b, err := memberlist.OracleEncode(12, struct{ A int }{1})
		if err != nil {
			return err
		}
		fmt.Printf("protocol %d..%d encode-check %x\n", memberlist.ProtocolVersionMin, memberlist.ProtocolVersionMax, b)
		return nil
	}
}
