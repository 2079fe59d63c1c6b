package main

import "fmt"

// version is the release of this binary; set with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func init() {
	register(&command{
		Name:    "version",
		Summary: "print the version of rasd",
		Usage:   "version",
		Example: "rasd version",
		Run: func(env *Env, args []string) error {
			c := commands["version"]
			fs := newFlagSet(env, c)
			if err := parseFlags(env, c, fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q", fs.Arg(0))
			}
			fmt.Fprintln(env.Stdout, "rasd", version)
			return nil
		},
	})
}
