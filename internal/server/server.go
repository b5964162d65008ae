// Package server builds Warden's HTTP gateway from a Config: listeners, middleware, routes, shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warden-gw/warden/internal/admin"
	"github.com/warden-gw/warden/internal/config"
	"github.com/warden-gw/warden/internal/h1server"
	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/limits"
	"github.com/warden-gw/warden/internal/metrics"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/route"
	"github.com/warden-gw/warden/internal/spend"
	"github.com/warden-gw/warden/internal/store"
	"github.com/warden-gw/warden/internal/usage"
)

// Options are what a Server is built from besides its Config.
type Options struct {
	Logger *slog.Logger
	// Getenv reads WARDEN_MASTER_KEY and WARDEN_SECRET; nil means os.Getenv.
	Getenv func(string) string
	// Out receives the one-time admin key printed on first start; nil means os.Stdout.
	Out io.Writer
	// Store, when set, is used instead of opening the configured one (the Server then does not close it).
	Store store.Store
}

// Server is one Warden gateway. Nothing is global: several can run in one process.
type Server struct {
	cfg     *config.Config
	log     *slog.Logger
	store   store.Store
	ownsDB  bool
	hasher  *keys.Hasher
	auth    *identity.KeyAuth
	router  *route.Router
	metrics *metrics.Metrics
	admin   *admin.API
	handler http.Handler
	ridGen  *requestIDs
	out     io.Writer
	// patterns are the registered routes (see Routes).
	patterns []string
	authFail limits.AuthFailures // nil when auth_failures.max_failures is 0
	limiter  limits.Limiter      // request-rate and concurrency limits of keys, users and teams
	redis    *redis.Client       // nil when limit counts are kept in memory
	spend    *spend.Recorder     // settled charges on their way to the store
	// prices, modelRules and globalRule come from the config: models' prices and limits, global limits.
	prices     map[string]usage.Price
	modelRules map[string]limits.Rule
	globalRule *limits.Rule
	proxies    []netip.Prefix // trusted_proxies
}

// New builds a Server: opens the store, bootstraps the first admin, builds routes.
// It does not contact the backends; Run does.
func New(ctx context.Context, cfg *config.Config, opt Options) (*Server, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if opt.Getenv == nil {
		opt.Getenv = os.Getenv
	}
	if opt.Out == nil {
		opt.Out = os.Stdout
	}
	s := &Server{cfg: cfg, log: opt.Logger, store: opt.Store, ridGen: newRequestIDs(), out: opt.Out}
	secret, err := keys.LoadOrCreateSecret(opt.Getenv("WARDEN_SECRET"), cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if s.hasher, err = keys.NewHasher(secret); err != nil {
		return nil, err
	}
	if s.store == nil {
		if s.store, err = store.Open(ctx, cfg.DataDir, cfg.DatabaseURL); err != nil {
			return nil, err
		}
		s.ownsDB = true
	}
	fail := func(err error) (*Server, error) {
		if s.ownsDB {
			s.store.Close()
		}
		return nil, err
	}
	master := opt.Getenv("WARDEN_MASTER_KEY")
	if master != "" && len(master) < 16 {
		return fail(errors.New("WARDEN_MASTER_KEY must be at least 16 characters"))
	}
	if err := s.bootstrap(ctx, master, opt.Out); err != nil {
		return fail(err)
	}
	groups, err := policy.NewGroups(cfg.ModelGroups)
	if err != nil {
		return fail(err)
	}
	s.auth = identity.NewKeyAuth(s.store, s.hasher, master, groups, s.log)
	for _, p := range cfg.TrustedProxies {
		prefix, err := config.ParsePrefix(p)
		if err != nil {
			return fail(err)
		}
		s.proxies = append(s.proxies, prefix)
	}

	if s.router, err = route.New(backendSpecs(cfg), modelSpecs(cfg), time.Duration(cfg.Discovery.Interval), s.log); err != nil {
		return fail(err)
	}
	s.metrics = metrics.New(s.inflight)
	if err := s.buildLimits(cfg); err != nil {
		return fail(err)
	}
	s.buildPricing(cfg)
	s.spend = spend.New(s.store, spend.Options{Logger: s.log})
	s.router.OnHealthChange(func(b *route.Backend, h bool) { s.metrics.SetHealthy(b.Name(), h) })
	for _, b := range s.router.Backends() {
		s.metrics.SetHealthy(b.Name(), true)
	}
	s.admin = admin.New(admin.Deps{Store: s.store, Hasher: s.hasher, Auth: s.auth, Groups: groups, Log: s.log,
		KnownModel: func(name string) bool { _, ok := s.router.Lookup(name); return ok }})
	s.handler = s.routes()
	return s, nil
}

func backendSpecs(cfg *config.Config) []route.BackendSpec {
	out := make([]route.BackendSpec, 0, len(cfg.Backends))
	for _, b := range cfg.Backends {
		out = append(out, route.BackendSpec{
			Name: b.Name, Kind: b.Kind, URL: b.URL, APIKey: b.APIKey,
			ConnectTimeout:        time.Duration(b.ConnectTimeout),
			ResponseHeaderTimeout: time.Duration(b.ResponseHeaderTimeout),
			MaxIdleConns:          b.MaxIdleConns,
			HealthPath:            b.HealthCheck.Path,
			HealthInterval:        time.Duration(b.HealthCheck.Interval),
			HealthTimeout:         time.Duration(b.HealthCheck.Timeout),
			UnhealthyAfter:        b.HealthCheck.UnhealthyAfter,
			HealthyAfter:          b.HealthCheck.HealthyAfter,
			PlainSockets:          cfg.Server.Engine == "net/http",
		})
	}
	return out
}

func modelSpecs(cfg *config.Config) []route.ModelSpec {
	out := make([]route.ModelSpec, 0, len(cfg.Models))
	for _, m := range cfg.Models {
		out = append(out, route.ModelSpec{Name: m.Name, Backends: m.Backends, Upstream: m.Upstream})
	}
	return out
}

func (s *Server) inflight() map[string]int64 {
	out := map[string]int64{}
	for _, b := range s.router.Backends() {
		out[b.Name()] = b.InFlight()
	}
	return out
}

// Handler returns the gateway's HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// Start probes the backends, discovers models and starts background work until ctx ends.
func (s *Server) Start(ctx context.Context) {
	s.router.Start(ctx)
	if len(s.router.Models()) == 0 {
		s.log.Warn("no models: no backend listed any yet; is the backend running? (configure backends in a config file, or set WARDEN_BACKEND_URL)")
	}
	go s.auth.RunLastUsedFlusher(ctx, 5*time.Second)
	go s.spend.Run(ctx, 0)
}

// Serve runs the gateway on ln (and metrics on mln, if not nil) until ctx ends, then shuts down
// gracefully: it stops accepting, lets running calls and streams finish up to the shutdown grace.
func (s *Server) Serve(ctx context.Context, ln, mln net.Listener) error {
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	s.Start(bg)
	main := s.mainServer(s.handler)
	errc := make(chan error, 2)
	go func() { errc <- serveOn(main, ln) }()
	var msrv *http.Server
	if mln != nil {
		msrv = s.httpServer(s.metricsOnly())
		go func() { errc <- serveOn(msrv, mln) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	grace := time.Duration(s.cfg.Server.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	s.log.Info("shutting down", "grace", grace.String())
	if serr := main.Shutdown(sctx); serr != nil {
		s.log.Warn("calls still running at the end of the shutdown grace were cut", "err", serr)
		main.Close()
	}
	if msrv != nil {
		msrv.Shutdown(sctx)
	}
	stopBG()
	if ferr := s.auth.FlushLastUsed(context.Background()); ferr != nil {
		s.log.Warn("flush last-used", "err", ferr)
	}
	return err
}

// httpServing is what Serve needs of an HTTP server: net/http's, or the fast path's.
type httpServing interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
	Close() error
}

// mainServer serves the gateway's listener with the configured engine.
func (s *Server) mainServer(h http.Handler) httpServing {
	std := s.httpServer(h)
	if s.cfg.Server.Engine == "net/http" {
		return std
	}
	return &h1server.Server{Handler: h, Fallback: std, Log: s.log,
		ReadHeaderTimeout: std.ReadHeaderTimeout, ReadTimeout: std.ReadTimeout, IdleTimeout: std.IdleTimeout}
}

func serveOn(srv httpServing, ln net.Listener) error {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) httpServer(h http.Handler) *http.Server {
	t := s.cfg.Server
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: time.Duration(t.ReadHeaderTimeout),
		// ReadTimeout bounds reading the request (headers and body); no WriteTimeout:
		// a live stream is ended by the upstream idle timeout instead.
		ReadTimeout:    time.Duration(t.ReadTimeout),
		IdleTimeout:    time.Duration(t.IdleTimeout),
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Close writes the settled spend still pending and releases the store if the Server opened it.
// Call it after the listeners stopped (Serve has returned).
func (s *Server) Close() error {
	if s.spend != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := s.spend.Close(ctx); err != nil {
			s.log.Error("settled spend could not be written to the store", "err", err)
		}
		cancel()
	}
	if s.authFail != nil {
		s.authFail.Close()
	}
	if s.limiter != nil {
		s.limiter.Close()
	}
	if s.redis != nil {
		s.redis.Close()
	}
	if s.ownsDB {
		return s.store.Close()
	}
	return nil
}

// ListenAndServe listens on the configured addresses and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Listen, err)
	}
	var mln net.Listener
	if s.cfg.MetricsListen != "" {
		if mln, err = net.Listen("tcp", s.cfg.MetricsListen); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w", s.cfg.MetricsListen, err)
		}
		s.log.Info("metrics listening", "addr", mln.Addr().String())
	}
	s.log.Info("warden listening", "addr", "http://"+ln.Addr().String())
	fmt.Fprintf(s.out, "Warden listening on http://%s\n", ln.Addr())
	if s.cfg.ListensPublicly() {
		s.log.Warn("listening on a non-loopback address without TLS: put Warden behind TLS or bind it to 127.0.0.1")
	}
	return s.Serve(ctx, ln, mln)
}
