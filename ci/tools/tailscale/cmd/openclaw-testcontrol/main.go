// Command openclaw-testcontrol is a self-contained tailnet for CI: a Tailscale control server (our copy of
// tailscale.com/tstest/integration/testcontrol, see ../../testcontrol), a DERP relay and a STUN server, all
// in one process, so nodes on test networks join a tailnet without anything leaving the machine.
//
//	openclaw-testcontrol --keys /etc/testcontrol/keys.json --host control --magicdns example-tailnet.ts.net
//
// keys.json maps a key id to the auth key the admin API would have created:
//
//	{"sidecar": {"key": "tskey-auth-…", "tags": ["tag:openclaw"], "singleUse": true}}
//
// GET /openclaw/status answers what the test asserts on: every node's name, tags, capabilities and node key,
// and how many nodes registered with each key id (never the key itself).
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"sort"
	"strconv"

	"openclaw.local/ci/tools/tailscale/testcontrol"
	"tailscale.com/derp"
	"tailscale.com/derp/derphttp"
	"tailscale.com/net/stun"
	"tailscale.com/tailcfg"
	"tailscale.com/types/key"
)

type keySpec struct {
	Key       string   `json:"key"`
	Tags      []string `json:"tags"`
	SingleUse bool     `json:"singleUse"`
}

type nodeStatus struct {
	Name         string   `json:"name"`
	StableID     string   `json:"stableId"`
	NodeKey      string   `json:"nodeKey"`
	Tags         []string `json:"tags"`
	Capabilities []string `json:"capabilities"`
	Addresses    []string `json:"addresses"`
}

func main() {
	listen := flag.String("listen", ":9911", "control HTTP listen address")
	host := flag.String("host", "control", "name (or address) nodes reach this server by")
	derpPort := flag.Int("derp-port", 3340, "DERP (TLS) port")
	stunPort := flag.Int("stun-port", 3478, "STUN (UDP) port")
	magicDNS := flag.String("magicdns", "example-tailnet.ts.net", "MagicDNS domain: node names and certificate domains end in it")
	keysFile := flag.String("keys", "", "JSON file of auth keys (required)")
	flag.Parse()

	if *keysFile == "" {
		log.Fatal("--keys is required: without auth keys every node would be refused")
	}
	raw, err := os.ReadFile(*keysFile)
	if err != nil {
		log.Fatalf("reading --keys: %v", err)
	}
	var specs map[string]keySpec
	if err := json.Unmarshal(raw, &specs); err != nil {
		log.Fatalf("parsing --keys %s: %v", *keysFile, err)
	}
	keys := map[string]*testcontrol.AuthKey{}
	idOf := map[string]string{}
	for id, k := range specs {
		if k.Key == "" {
			log.Fatalf("--keys: key %q has no \"key\"", id)
		}
		keys[k.Key] = &testcontrol.AuthKey{Tags: k.Tags, SingleUse: k.SingleUse}
		idOf[k.Key] = id
	}

	derpMap := &tailcfg.DERPMap{
		Regions: map[int]*tailcfg.DERPRegion{
			900: {
				RegionID:   900,
				RegionCode: "ci",
				RegionName: "CI (local)",
				Nodes: []*tailcfg.DERPNode{{
					Name:     "900a",
					RegionID: 900,
					// Resolved by each node through its own network's DNS: the same name reaches this
					// container on every network it is attached to.
					HostName: *host,
					IPv6:     "none",
					STUNPort: *stunPort,
					DERPPort: *derpPort,
					// The relay's certificate is self-signed: no CA on this machine may issue for it.
					InsecureForTests: true,
				}},
			},
		},
	}
	go serveDERP(*derpPort)
	go serveSTUN(*stunPort)

	control := &testcontrol.Server{
		DERPMap:         derpMap,
		ExplicitBaseURL: "http://" + net.JoinHostPort(*host, portOf(*listen)),
		AuthKeys:        keys,
		MagicDNSDomain:  *magicDNS,
		// Non-nil so the control sends each node its certificate domain (<host>.<magicdns>), which
		// TS_CERT_DOMAIN in a serve config stands for.
		DNSConfig: &tailcfg.DNSConfig{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openclaw/status", func(w http.ResponseWriter, r *http.Request) {
		var nodes []nodeStatus
		for _, n := range control.AllNodes() {
			ns := nodeStatus{Name: n.Name, StableID: string(n.StableID), NodeKey: n.Key.String(), Tags: n.Tags}
			for _, c := range n.Capabilities {
				ns.Capabilities = append(ns.Capabilities, string(c))
			}
			for _, a := range n.Addresses {
				ns.Addresses = append(ns.Addresses, a.String())
			}
			nodes = append(nodes, ns)
		}
		sort.Slice(nodes, func(i, j int) bool { return nodes[i].StableID < nodes[j].StableID })
		uses := map[string]int{}
		for k, n := range control.KeyUses() {
			uses[idOf[k]] = n
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"nodes": nodes, "keyUses": uses})
	})
	// testcontrol panics on a path it does not know (it is made for tests that should fail loudly); here the
	// process also carries DERP, so unknown paths get a 404 instead. tailscaled asks for one: the ACME
	// directory (TS_DEBUG_ACME_DIRECTORY_URL points here) when it checks its certificate's renewal.
	for _, p := range []string{"/key", "/machine/", "/ts2021", "/generate_204"} {
		mux.Handle(p, control)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		log.Printf("404 for %s %s (%s)", r.Method, r.URL.Path, r.UserAgent())
		http.NotFound(w, r)
	})
	log.Printf("control on %s (base URL %s), DERP on :%d, STUN on :%d/udp, %d auth keys",
		*listen, control.ExplicitBaseURL, *derpPort, *stunPort, len(keys))
	log.Fatal(http.ListenAndServe(*listen, mux))
}

func portOf(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		log.Fatalf("--listen %q: %v", addr, err)
	}
	return p
}

func serveDERP(port int) {
	d := derp.NewServer(key.NewNode(), log.Printf)
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		log.Fatalf("DERP listen: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/derp", derphttp.Handler(d))
	mux.HandleFunc("/derp/probe", derphttp.ProbeHandler)
	mux.HandleFunc("/generate_204", derphttp.ServeNoContent)
	// httptest's TLS server brings its own self-signed certificate, which is all InsecureForTests needs.
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	// DERP upgrades HTTP/1.1 connections; HTTP/2 would take them over.
	srv.Config.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	srv.StartTLS()
	log.Printf("DERP listening on %s", ln.Addr())
	select {}
}

func serveSTUN(port int) {
	pc, err := net.ListenPacket("udp4", ":"+strconv.Itoa(port))
	if err != nil {
		log.Fatalf("STUN listen: %v", err)
	}
	buf := make([]byte, 64<<10)
	for {
		n, addr, err := pc.ReadFrom(buf)
		if err != nil {
			log.Fatalf("STUN read: %v", err)
		}
		txid, err := stun.ParseBindingRequest(buf[:n])
		if err != nil {
			continue
		}
		ua, ok := addr.(*net.UDPAddr)
		if !ok {
			continue
		}
		ap := netip.AddrPortFrom(netip.AddrFrom4([4]byte(ua.IP.To4())), uint16(ua.Port))
		if _, err := pc.WriteTo(stun.Response(txid, ap), addr); err != nil {
			fmt.Fprintf(os.Stderr, "STUN write: %v\n", err)
		}
	}
}
