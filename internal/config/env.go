package config

import "fmt"

// ApplyEnv applies the WARDEN_* environment overrides read through getenv, then
// resolves each backend's APIKey from the variable named by its api_key_env.
// An empty variable counts as unset. The overrides are:
//
//	WARDEN_LISTEN             listen
//	WARDEN_METRICS_LISTEN     metrics_listen
//	WARDEN_DATA_DIR           data_dir
//	WARDEN_DATABASE_URL       database_url
//	WARDEN_LOG_LEVEL          log.level
//	WARDEN_LOG_FORMAT         log.format
//	WARDEN_MAX_REQUEST_BYTES  max_request_bytes (a size such as "10MiB")
//	WARDEN_BACKEND_URL        the url of the only backend (an error if there are several)
//
// It does not validate; errors (an Errors value) are for values that cannot be
// applied at all, and for api_key_env variables that are empty or unset.
// Error messages name variables, never their values.
func (c *Config) ApplyEnv(getenv func(string) string) error {
	c.src = c.src.clone()
	var errs Errors
	apply := func(env, path string, set func(string) error) {
		v := getenv(env)
		if v == "" {
			return
		}
		src := envSourcePrefix + env
		if err := set(v); err != nil {
			errs = append(errs, &FieldError{Source: src, Path: path, Msg: err.Error()})
			c.src.bad[path] = true
			return
		}
		c.src.at[path] = origin{source: src}
	}
	str := func(dst *string) func(string) error {
		return func(v string) error { *dst = v; return nil }
	}
	apply("WARDEN_LISTEN", "listen", str(&c.Listen))
	apply("WARDEN_METRICS_LISTEN", "metrics_listen", str(&c.MetricsListen))
	apply("WARDEN_DATA_DIR", "data_dir", str(&c.DataDir))
	apply("WARDEN_DATABASE_URL", "database_url", str(&c.DatabaseURL))
	apply("WARDEN_LOG_LEVEL", "log.level", str(&c.Log.Level))
	apply("WARDEN_LOG_FORMAT", "log.format", str(&c.Log.Format))
	apply("WARDEN_MAX_REQUEST_BYTES", "max_request_bytes", func(v string) error {
		s, err := ParseSize(v)
		if err == nil {
			c.MaxRequestBytes = s
		}
		return err
	})
	if getenv("WARDEN_BACKEND_URL") != "" && len(c.Backends) != 1 {
		errs = append(errs, &FieldError{Source: envSourcePrefix + "WARDEN_BACKEND_URL",
			Msg: fmt.Sprintf("can only replace the url when exactly one backend is configured, but there are %d: set each backend's url in the file", len(c.Backends))})
	} else {
		apply("WARDEN_BACKEND_URL", "backends[0].url", func(v string) error {
			c.Backends[0].URL = v
			return nil
		})
	}
	for i := range c.Backends {
		b := &c.Backends[i]
		if b.APIKeyEnv == "" || !validEnvName(b.APIKeyEnv) {
			continue // an invalid name is reported by Validate
		}
		key := getenv(b.APIKeyEnv)
		if key == "" {
			path := indexPath("backends", i) + ".api_key_env"
			errs = append(errs, c.src.errorAt(path, "environment variable %s is empty or unset", b.APIKeyEnv))
			continue
		}
		b.APIKey = key
	}
	return errs.err()
}
