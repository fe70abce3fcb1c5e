package virtualmintest

import (
	"sort"
	"strconv"
	"strings"
)

// value is the tree remote.cgi hands to its serialisers (JSON::PP, XML::Simple).
// Only the shapes remote.cgi produces are modelled: objects with string keys,
// arrays and strings.
type value interface{}

// object keeps insertion order so the output is stable; the real server's
// order is Perl hash order (random), so clients must not depend on it.
type object struct {
	keys []string
	vals map[string]value
}

func newObject() *object { return &object{vals: map[string]value{}} }

func (o *object) set(k string, v value) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// jsonString escapes like JSON::PP without ascii/latin1: only the control
// characters, the quote and the backslash are escaped, "/" is kept as is.
func jsonString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00`)
				b.WriteString(strconv.FormatInt(int64(r)>>4, 16))
				b.WriteString(strconv.FormatInt(int64(r)&15, 16))
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// encodeJSONPretty mimics JSON::PP->pretty: 3-space indent, " : " between key
// and value, and a trailing newline.
func encodeJSONPretty(v value) string {
	var b strings.Builder
	writePretty(&b, v, 0)
	b.WriteByte('\n')
	return b.String()
}

func writePretty(b *strings.Builder, v value, depth int) {
	ind := strings.Repeat("   ", depth+1)
	switch t := v.(type) {
	case string:
		jsonString(b, t)
	case *object:
		if len(t.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, k := range t.keys {
			b.WriteString(ind)
			jsonString(b, k)
			b.WriteString(" : ")
			writePretty(b, t.vals[k], depth+1)
			if i < len(t.keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("   ", depth))
		b.WriteByte('}')
	case []value:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range t {
			b.WriteString(ind)
			writePretty(b, e, depth+1)
			if i < len(t)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("   ", depth))
		b.WriteByte(']')
	}
}

// encodeJSONMinified is JSON::PP without pretty: one line, then a newline.
func encodeJSONMinified(v value) string {
	var b strings.Builder
	writeMin(&b, v)
	b.WriteByte('\n')
	return b.String()
}

func writeMin(b *strings.Builder, v value) {
	switch t := v.(type) {
	case string:
		jsonString(b, t)
	case *object:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			jsonString(b, k)
			b.WriteByte(':')
			writeMin(b, t.vals[k])
		}
		b.WriteByte('}')
	case []value:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			writeMin(b, e)
		}
		b.WriteByte(']')
	}
}

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

// xmlKeyOrder sorts like XML::Simple: its default key attributes (name, key,
// id) first, the rest alphabetically.
func xmlKeyOrder(keys []string) []string {
	out := append([]string(nil), keys...)
	rank := func(k string) int {
		switch k {
		case "name":
			return 0
		case "key":
			return 1
		case "id":
			return 2
		}
		return 3
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i]), rank(out[j])
		if ri != rj {
			return ri < rj
		}
		return out[i] < out[j]
	})
	return out
}

// encodeXML mimics XML::Simple's XMLout with RootName "api": scalars become
// attributes (newlines kept literally), arrays become repeated elements.
func encodeXML(root *object) string {
	var b strings.Builder
	writeXMLElem(&b, "api", root, 0)
	return b.String()
}

func writeXMLElem(b *strings.Builder, name string, o *object, depth int) {
	ind := strings.Repeat("  ", depth)
	b.WriteString(ind + "<" + name)
	var children []string
	keys := append([]string(nil), o.keys...)
	sort.Strings(keys)
	for _, k := range keys {
		if s, ok := o.vals[k].(string); ok {
			b.WriteString(" " + k + `="` + xmlEscape(s) + `"`)
		} else {
			children = append(children, k)
		}
	}
	var inner strings.Builder
	for _, k := range xmlKeyOrder(children) {
		switch t := o.vals[k].(type) {
		case []value:
			for _, e := range t {
				writeXMLChild(&inner, k, e, depth+1)
			}
		case *object:
			writeXMLChild(&inner, k, t, depth+1)
		}
	}
	if inner.Len() == 0 {
		// XML::Simple writes an empty hash as <x></x> (04) and a hash of
		// scalars only as a self-closing element (113, 120).
		if len(o.keys) == 0 {
			b.WriteString("></" + name + ">\n")
		} else {
			b.WriteString(" />\n")
		}
		return
	}
	b.WriteString(">\n")
	b.WriteString(inner.String())
	b.WriteString(ind + "</" + name + ">\n")
}

func writeXMLChild(b *strings.Builder, name string, v value, depth int) {
	switch t := v.(type) {
	case string:
		b.WriteString(strings.Repeat("  ", depth) + "<" + name + ">" + xmlEscape(t) + "</" + name + ">\n")
	case *object:
		// A hash whose values are all arrays of strings (multiline "values")
		// is written as nested elements.
		writeXMLElem(b, name, t, depth)
	}
}

// parseMultiline is remote.cgi's text-to-data converter for list programs:
// unindented lines start objects, indented "Key: value" lines fill them, and
// "key: value" lines before the first object become name/value pairs.
func parseMultiline(out string) []value {
	data := []value{}
	var cur *object
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur == nil {
				continue
			}
			l := strings.TrimLeft(line, " \t")
			i := strings.Index(l, ":")
			if i < 0 {
				continue
			}
			k := strings.ReplaceAll(strings.ToLower(l[:i]), " ", "_")
			v := strings.TrimPrefix(l[i+1:], " ")
			vals := cur.vals["values"].(*object)
			old, _ := vals.vals[k].([]value)
			vals.set(k, append(old, v))
			continue
		}
		if cur == nil {
			if i := strings.Index(line, ":"); i > 0 {
				o := newObject()
				o.set("name", line[:i])
				o.set("value", strings.TrimPrefix(line[i+1:], " "))
				data = append(data, o)
				continue
			}
		}
		cur = newObject()
		cur.set("name", line)
		cur.set("values", newObject())
		data = append(data, cur)
	}
	return data
}
