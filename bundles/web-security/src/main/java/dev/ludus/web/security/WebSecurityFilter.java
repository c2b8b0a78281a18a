package dev.ludus.web.security;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.servlet.whiteboard.Preprocessor;
import org.osgi.service.servlet.whiteboard.annotations.RequireHttpWhiteboard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * Runs before every HTTP request is dispatched, whichever servlet context (the browser client,
 * {@code /health}, {@code /ws}, the Web Console) serves it; a whiteboard preprocessor also runs
 * before a context's own authentication, which is why this is one and not a filter. It
 * <ul>
 * <li>adds security headers (Content-Security-Policy, X-Frame-Options, Referrer-Policy, nosniff);</li>
 * <li>refuses TRACE (405);</li>
 * <li>refuses writes (POST, PUT, DELETE, PATCH: any method but GET, HEAD and OPTIONS) whose Origin, or Referer when there is no Origin, is not the
 * server's own or an allowed origin (403): a browser resends Basic credentials on a cross-site form
 * post, so without this a foreign page could drive the console. Requests with neither header
 * (scripts, curl) are let through: no browser sends a cross-site write without them; so is a
 * browser's {@code Origin: null} that comes with {@code Sec-Fetch-Site: same-origin} (see
 * {@link #sameOrAllowedOrigin});</li>
 * <li>locks out an address after repeated wrong passwords (429 with Retry-After).</li>
 * </ul>
 */
@Component(service = {Preprocessor.class, HealthCheck.class}, configurationPid = WebSecurityConfig.PID)
@Designate(ocd = WebSecurityConfig.class)
@RequireHttpWhiteboard
public class WebSecurityFilter implements Preprocessor, HealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(WebSecurityFilter.class);
    /** Methods that change nothing; every other one (POST, PUT, DELETE, PATCH, WebDAV's) is a write. */
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
    /** TRACE echoes the request (cookies, credentials) back; TRACK is its IIS twin. */
    private static final Set<String> REFUSED_METHODS = Set.of("TRACE", "TRACK");

    private volatile WebSettings settings;
    private volatile String refusal;
    private final LoginThrottle throttle;
    private final AtomicLong crossSiteRefused = new AtomicLong();
    private final AtomicLong traceRefused = new AtomicLong();

    @Activate
    public WebSecurityFilter(WebSecurityConfig config) {
        this(config, Clock.systemUTC());
    }

    WebSecurityFilter(WebSecurityConfig config, Clock clock) {
        WebSettings s;
        try {
            s = WebSettings.from(config);
        } catch (InvalidSettingException e) {
            LOG.error("{}; using the defaults", e.getMessage());
            refusal = e.getMessage();
            s = WebSettings.defaults();
        }
        settings = s;
        throttle = new LoginThrottle(clock, s);
    }

    @Modified
    void modified(WebSecurityConfig config) {
        try {
            WebSettings s = WebSettings.from(config);
            settings = s;
            throttle.update(s);
            refusal = null;
        } catch (InvalidSettingException e) {
            LOG.error("{}; keeping the previous settings", e.getMessage());
            refusal = e.getMessage();
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)) {
            chain.doFilter(request, response);
            return;
        }
        WebSettings s = settings;
        addHeaders(req, resp, s);
        String method = req.getMethod().toUpperCase(Locale.ROOT);
        if (REFUSED_METHODS.contains(method)) {
            traceRefused.incrementAndGet();
            resp.setHeader("Allow", "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
            resp.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED, "method_not_allowed: " + method + " is not served");
            return;
        }
        if (!SAFE.contains(method) && !sameOrAllowedOrigin(req, s)) {
            crossSiteRefused.incrementAndGet();
            resp.sendError(HttpServletResponse.SC_FORBIDDEN, "cross_site_refused: the request comes from another site");
            return;
        }
        boolean credentials = req.getHeader("Authorization") != null;
        if ("OPTIONS".equals(method)) {
            // The servlet's default answer lists every method it implements, TRACE included.
            resp = new AllowWithoutTrace(resp);
        }
        if (credentials) {
            String address = req.getRemoteAddr();
            Duration wait = throttle.lockedFor(address);
            if (!wait.isZero()) {
                long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
                resp.setHeader("Retry-After", Long.toString(seconds));
                resp.sendError(429, "login_locked: too many wrong passwords from this address; retry in " + seconds + " s");
                return;
            }
            chain.doFilter(req, resp);
            if (resp.getStatus() == HttpServletResponse.SC_UNAUTHORIZED) {
                throttle.failed(address);
            } else if (resp.getStatus() < 400) {
                throttle.succeeded(address);
            }
            return;
        }
        chain.doFilter(req, resp);
    }

    /** Drops TRACE and TRACK from an {@code Allow} header: they are refused on every path. */
    static final class AllowWithoutTrace extends HttpServletResponseWrapper {
        AllowWithoutTrace(HttpServletResponse response) {
            super(response);
        }

        static String withoutTrace(String allow) {
            if (allow == null) {
                return null;
            }
            StringBuilder b = new StringBuilder();
            for (String m : allow.split(",")) {
                String t = m.trim();
                if (!t.isEmpty() && !REFUSED_METHODS.contains(t.toUpperCase(Locale.ROOT))) {
                    b.append(b.length() == 0 ? "" : ", ").append(t);
                }
            }
            return b.toString();
        }

        @Override
        public void setHeader(String name, String value) {
            super.setHeader(name, "Allow".equalsIgnoreCase(name) ? withoutTrace(value) : value);
        }

        @Override
        public void addHeader(String name, String value) {
            super.addHeader(name, "Allow".equalsIgnoreCase(name) ? withoutTrace(value) : value);
        }
    }

    private static void addHeaders(HttpServletRequest req, HttpServletResponse resp, WebSettings s) {
        String path = req.getRequestURI();
        boolean console = path != null && (path.equals(s.consolePath()) || path.startsWith(s.consolePath() + "/"));
        resp.setHeader("Content-Security-Policy", console ? s.consoleContentSecurityPolicy() : s.contentSecurityPolicy());
        // The console frames its own pages (the Licenses viewer): same origin may frame it, no one else.
        resp.setHeader("X-Frame-Options", console ? "SAMEORIGIN" : "DENY");
        resp.setHeader("Referrer-Policy", s.referrerPolicy());
        resp.setHeader("X-Content-Type-Options", "nosniff");
    }

    /**
     * True when the request carries neither Origin nor Referer, or when the one it carries (Origin
     * first) is the origin the request was sent to or a configured one. The opaque origin
     * {@code null} is foreign, but for one case: under the {@code no-referrer} policy a browser
     * sends {@code Origin: null} with its pages' own same-origin form posts and scripted writes
     * (the Fetch standard's rule for writes that are not cross-origin), and says
     * {@code Sec-Fetch-Site: same-origin} beside it, a header no page's script can set. Unparsable
     * values are foreign.
     */
    static boolean sameOrAllowedOrigin(HttpServletRequest req, WebSettings s) {
        String origin = req.getHeader("Origin");
        if ("null".equals(origin) && "same-origin".equals(req.getHeader("Sec-Fetch-Site"))) {
            return true;
        }
        String source = origin != null ? origin : req.getHeader("Referer");
        if (source == null) {
            return true;
        }
        Origin from = Origin.parse(source);
        if (from == null) {
            return false;
        }
        return from.equals(Origin.ofRequest(req.getScheme(), req.getHeader("Host"))) || s.allowedOrigins().contains(from);
    }

    @Override
    public String name() {
        return "web";
    }

    @Override
    public HealthResult check() {
        Map<String, Object> details = new LinkedHashMap<>();
        WebSettings s = settings;
        details.put("maxLoginFailures", s.maxLoginFailures());
        details.put("lockoutSeconds", s.lockout().toSeconds());
        details.put("lockedAddresses", throttle.lockedAddresses());
        details.put("lockouts", throttle.lockoutsTotal());
        details.put("lockedRequestsRefused", throttle.refusedTotal());
        details.put("crossSiteRefused", crossSiteRefused.get());
        details.put("traceRefused", traceRefused.get());
        String r = refusal;
        return r == null ? HealthResult.up(details) : HealthResult.degraded(r, details);
    }

    @Override
    public void init(jakarta.servlet.FilterConfig filterConfig) {
        // nothing to set up: settings come from configuration
    }

    @Override
    public void destroy() {
        // no resources
    }
}
