package policy

import "net/http"

// Decision is the answer to "may this happen?". A refusal carries the HTTP
// status to answer with and a reason that says which rule refused, fit to show
// the caller (it never holds a secret).
type Decision struct {
	Allowed bool
	Status  int    // 0 when allowed; http.StatusForbidden or http.StatusNotFound when refused
	Reason  string // why it was refused; "" when allowed
}

func allow() Decision { return Decision{Allowed: true} }

func forbidden(reason string) Decision {
	return Decision{Status: http.StatusForbidden, Reason: reason}
}

func notFound(reason string) Decision {
	return Decision{Status: http.StatusNotFound, Reason: reason}
}
