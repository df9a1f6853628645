// Command oracle is our test oracle: it runs HashiCorp memberlist's own
// encoders, decoders and security code (through the overlay export files)
// so our TypeScript codec can be checked against real bytes.
//
// Usage: oracle <command> [args...]. Each command registers itself in
// commands from an init function in its own file.
package main

import (
	"fmt"
	"os"
	"sort"
)

var commands = map[string]func(args []string) error{}

func main() {
	if len(os.Args) < 2 {
		names := make([]string, 0, len(commands))
		for name := range commands {
			names = append(names, name)
		}
		sort.Strings(names)
		fmt.Fprintf(os.Stderr, "usage: oracle <command>; commands: %v\n", names)
		os.Exit(2)
	}
	run, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "oracle: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "oracle %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
