package storetest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
)

// Refusing returns the address of a Redis that answers PING, and every other command with the
// error reply given, such as "OOM command not allowed when used memory > 'maxmemory'." or
// "READONLY You can't write against a read only replica.": a Redis that is up and cannot serve.
// Inside MULTI it refuses each queued command with the same reply and answers EXEC with
// EXECABORT, as Redis does. It speaks RESP2 (HELLO is an unknown command) and closes when the
// test ends.
func Refusing(t testing.TB, reply string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go refuse(c, reply)
		}
	}()
	return l.Addr().String()
}

// refuse answers the commands of one connection until it closes.
func refuse(c net.Conn, reply string) {
	defer c.Close()
	r := bufio.NewReader(c)
	inMulti := false
	for {
		args, err := readCommand(r)
		if err != nil {
			return
		}
		var out string
		switch name := strings.ToUpper(args[0]); {
		case name == "PING":
			out = "+PONG\r\n"
		case name == "HELLO":
			out = "-ERR unknown command 'HELLO'\r\n"
		case name == "CLIENT":
			out = "+OK\r\n"
		case name == "MULTI":
			inMulti, out = true, "+OK\r\n"
		case name == "EXEC" && inMulti:
			inMulti, out = false, "-EXECABORT Transaction discarded because of previous errors.\r\n"
		default:
			out = "-" + reply + "\r\n"
		}
		if _, err := io.WriteString(c, out); err != nil {
			return
		}
	}
}

// readCommand reads one command in RESP: an array of bulk strings.
func readCommand(r *bufio.Reader) ([]string, error) {
	n, err := readHeader(r, '*')
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("empty command")
	}
	args := make([]string, n)
	for i := range args {
		size, err := readHeader(r, '$')
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}

// readHeader reads a line "<kind><number>\r\n" and returns the number.
func readHeader(r *bufio.Reader, kind byte) (int, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	line = strings.TrimRight(line, "\r\n")
	if len(line) < 2 || line[0] != kind {
		return 0, fmt.Errorf("unexpected %q", line)
	}
	return strconv.Atoi(line[1:])
}
