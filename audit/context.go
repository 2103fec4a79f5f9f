package audit

import "context"

type metaKey struct{}

// WithMetadata returns ctx carrying request metadata (request ID, client IP,
// user agent, …) that every event recorded with it stores. Keys set by an
// outer call are kept unless overridden.
func WithMetadata(ctx context.Context, kv map[string]string) context.Context {
	merged := make(map[string]string, len(kv))
	for k, v := range MetadataFrom(ctx) {
		merged[k] = v
	}
	for k, v := range kv {
		merged[k] = v
	}
	return context.WithValue(ctx, metaKey{}, merged)
}

// WithRequest is WithMetadata for the three common fields; empty values are left out.
func WithRequest(ctx context.Context, requestID, clientIP, userAgent string) context.Context {
	m := map[string]string{}
	for k, v := range map[string]string{"request_id": requestID, "client_ip": clientIP, "user_agent": userAgent} {
		if v != "" {
			m[k] = v
		}
	}
	return WithMetadata(ctx, m)
}

// MetadataFrom returns the metadata ctx carries (nil if none). Do not modify it.
func MetadataFrom(ctx context.Context) map[string]string {
	m, _ := ctx.Value(metaKey{}).(map[string]string)
	return m
}
