// Package mdsection cuts sections out of Markdown text and finds its anchors and
// links, for the tests that hold the project's documents (README.md, BENCHMARKS.md)
// to the code and to themselves.
package mdsection

import (
	"fmt"
	"strings"
	"unicode"
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

// Anchors returns the anchors GitHub makes for doc's headings, as a link's
// "#fragment" names them: a heading's text in lower case, without the characters
// that are neither letters, digits, spaces, hyphens nor underscores (backticks,
// colons, dots, ...), each space a hyphen; a second heading of the same text gets
// "-1", a third "-2". Lines inside fenced code blocks are not headings.
func Anchors(doc string) map[string]bool {
	anchors := make(map[string]bool)
	seen := make(map[string]int)
	fenced := false
	for _, line := range strings.Split(doc, "\n") {
		text := strings.TrimRight(line, "\r")
		if strings.HasPrefix(text, "```") {
			fenced = !fenced
			continue
		}
		level := headingLevel(text)
		if fenced || level == 0 {
			continue
		}
		slug := Slug(text[level+1:])
		if n := seen[slug]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			anchors[slug] = true
		}
		seen[slug]++
	}
	return anchors
}

// Slug returns the anchor GitHub makes for a heading's text (see Anchors).
func Slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Link is a Markdown link's target, "file#fragment", "#fragment" or "file", with
// the line it is on.
type Link struct {
	Line           int
	File, Fragment string
}

// Links returns the targets of doc's inline links ("[text](target)") that lead
// into the repository: not those with a scheme (https:, mailto:), nor those inside
// fenced code blocks or code spans.
func Links(doc string) []Link {
	var links []Link
	fenced := false
	for i, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		for _, t := range linkTargets(line) {
			if strings.Contains(t, ":") {
				continue // https://..., mailto:...
			}
			file, frag, _ := strings.Cut(t, "#")
			links = append(links, Link{Line: i + 1, File: file, Fragment: frag})
		}
	}
	return links
}

// linkTargets returns the targets of the "](target)" in line outside code spans.
func linkTargets(line string) []string {
	var out []string
	code := false
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '`':
			code = !code
		case !code && strings.HasPrefix(line[i:], "]("):
			rest := line[i+2:]
			end := strings.IndexAny(rest, ") ")
			if end < 0 || rest[end] != ')' {
				continue
			}
			out = append(out, rest[:end])
			i += 2 + end
		}
	}
	return out
}
