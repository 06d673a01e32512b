// Command train trains the NLP plugin's models from the labelled messages
// in plugins/nlp/data, prints their accuracy on the messages it held out,
// and writes them as Go source to plugins/nlp/nlp/model_gen.go
// (docs/nlp.md). Run it from the repository's root:
//
//	go run ./plugins/nlp/train
//
// Every fifth message of each data file is held out: the models never see
// it, and the accuracy printed is measured on those alone. With -dev the
// held-out messages are not even read: the models are trained on four
// fifths of the rest and measured on the last fifth, to compare features
// and settings without tuning them to the held-out messages.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "plugins/nlp/data", "the directory of the labelled messages")
	out := fs.String("out", "plugins/nlp/nlp/model_gen.go", "the Go file to write the models to")
	dev := fs.Bool("dev", false, "train and measure within the training messages; write nothing")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	set, err := load(*data)
	if err != nil {
		fmt.Fprintln(stderr, "train:", err)
		return 1
	}
	if *dev {
		set = set.dev()
	}
	models, err := train(set)
	if err != nil {
		fmt.Fprintln(stderr, "train:", err)
		return 1
	}
	printReport(stdout, set, evaluate(&models, set))
	if *dev {
		return 0
	}
	src, err := generate(&models, set)
	if err != nil {
		fmt.Fprintln(stderr, "train:", err)
		return 1
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(stderr, "train:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", *out, len(src))
	return 0
}
