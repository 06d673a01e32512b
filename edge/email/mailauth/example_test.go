package mailauth

import (
	"context"
	"fmt"
	"net"
)

// A mail from shop.example, received over SMTP from an address its SPF
// record lists; shop.example publishes p=reject. (In production the
// Resolver is a *net.Resolver, or left nil for net.DefaultResolver.)
func ExampleVerifier_Verify() {
	v := New(Options{Resolver: mapResolver{txt: map[string][]string{
		"shop.example":        {"v=spf1 ip4:192.0.2.0/24 -all"},
		"_dmarc.shop.example": {"v=DMARC1; p=reject"},
	}}, AuthServID: "edge1.desk.example"})

	raw := []byte("From: Ana <ana@shop.example>\r\nSubject: order 1234\r\n\r\nWhere is it?\r\n")
	r := v.Verify(context.Background(), raw, net.ParseIP("192.0.2.10"), "mx.shop.example", "ana@shop.example")

	fmt.Println(r.SPF, r.DKIM, r.DMARC, r.DMARCPolicy)
	fmt.Println(r.Header())
	// Output:
	// pass none pass reject
	// edge1.desk.example; spf=pass smtp.mailfrom=shop.example; dkim=none; dmarc=pass reason="SPF aligned: shop.example" header.from=shop.example policy.dmarc=reject
}
