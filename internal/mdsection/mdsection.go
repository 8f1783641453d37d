// Package mdsection cuts sections out of Markdown text, for the tests that hold the
// project's documents (README.md, BENCHMARKS.md) to the code.
package mdsection

import (
	"fmt"
	"strings"
)

// Of returns the section of doc that starts at the line heading (such as
// "### The JSON summary") and runs to the next heading of the same or a higher
// level, or to the end. Lines inside fenced code blocks are never headings: a
// shell comment there ("# the kernel") does not end a section. It is an error if
// no line outside a code block is exactly heading.
func Of(doc, heading string) (string, error) {
	level := headingLevel(heading)
	if level == 0 {
		return "", fmt.Errorf("mdsection: %q is not a heading", heading)
	}
	lines := strings.SplitAfter(doc, "\n")
	start, fenced := -1, false
	for i, line := range lines {
		text := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(text, "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		if start < 0 {
			if text == heading {
				start = i
			}
			continue
		}
		if l := headingLevel(text); l > 0 && l <= level {
			return strings.Join(lines[start:i], ""), nil
		}
	}
	if start < 0 {
		return "", fmt.Errorf("mdsection: no heading %q", heading)
	}
	return strings.Join(lines[start:], ""), nil
}

// headingLevel returns the number of #s that start line as an ATX heading ("## x"),
// or 0 when it is not one.
func headingLevel(line string) int {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n == len(line) || line[n] != ' ' {
		return 0
	}
	return n
}
