package dev.ludus.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.ludus.api.security.StoredPassword;

/**
 * A read-only operator for the Web Console: a second Basic login, configured in PID
 * {@value ReadOnlyOperatorConfig#PID}, that sees every console page and whose every request other
 * than GET, HEAD or OPTIONS is refused {@code 403} {@code read_only} before any console servlet runs
 * (Ludus actions, bundles, configurations alike). Every other login is passed to the provider this
 * one stands in front of: the Web Console's own (user {@code admin}) or another installed one.
 *
 * <p>The refusal is made here, at authentication, because the Web Console 5 asks no provider's
 * {@code authorize} before its own pages change state; {@link #authorize} still answers false for
 * the read-only user whatever the role, for plugins that do ask. Only registered when the
 * configuration exists. Thread safe.
 */
@Component(service = SecurityProvider.class, configurationPid = ReadOnlyOperatorConfig.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {Constants.SERVICE_RANKING + ":Integer=1000", SecurityProvider.PROPERTY_ID + "=" + ReadOnlyOperator.ID})
@Designate(ocd = ReadOnlyOperatorConfig.class)
public final class ReadOnlyOperator implements SecurityProvider {

    private static final Logger LOG = LoggerFactory.getLogger(ReadOnlyOperator.class);

    /** Who logged in as the read-only operator; what {@link #authenticate} hands the console. */
    record ReadOnlyUser(String name) {
    }

    static final String ID = "ludus-read-only";

    /** Every other provider, highest ranked last (the order of service references). */
    private final ConcurrentSkipListMap<ServiceReference<SecurityProvider>, SecurityProvider> others =
            new ConcurrentSkipListMap<>();
    private volatile String user;
    private volatile String password;

    @Activate
    public ReadOnlyOperator(ReadOnlyOperatorConfig config) {
        apply(config);
    }

    @Reference(service = SecurityProvider.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, target = "(!(" + SecurityProvider.PROPERTY_ID + "=" + ID + "))")
    void addProvider(ServiceReference<SecurityProvider> ref, SecurityProvider provider) {
        others.put(ref, provider);
    }

    void removeProvider(ServiceReference<SecurityProvider> ref) {
        others.remove(ref);
    }

    @Modified
    void apply(ReadOnlyOperatorConfig config) {
        String name = config.user() == null ? "" : config.user().strip();
        if (name.isEmpty() || name.length() > 64 || name.indexOf(':') >= 0 || name.chars().anyMatch(Character::isISOControl)) {
            LOG.warn("bad_setting: {} user = '{}' refused, allowed: 1 to 64 characters, no colon, no control characters;"
                    + " nobody logs in as the read-only operator", ReadOnlyOperatorConfig.PID, ConsoleJson.write(name));
            this.user = null;
            return;
        }
        String stored = config.password();
        if (stored == null || stored.isEmpty()) {
            LOG.warn("console: {} has no password; nobody logs in as the read-only operator '{}'",
                    ReadOnlyOperatorConfig.PID, name);
            this.user = null;
            return;
        }
        this.password = stored;
        this.user = name;
        LOG.info("console: read-only operator '{}' may log in; its changes are refused (read_only)", name);
    }

    @Override
    public Object authenticate(HttpServletRequest req, HttpServletResponse resp) {
        String[] given = basic(req.getHeader("Authorization"));
        String readOnly = user;
        if (readOnly != null && given != null && given[0].equals(readOnly)
                && StoredPassword.matches(given[1], password)) {
            req.setAttribute("org.osgi.service.http.authentication.type", "BASIC");
            req.setAttribute("org.osgi.service.http.authentication.remote.user", readOnly);
            req.setAttribute(ConsolePage.READ_ONLY_ATTRIBUTE, Boolean.TRUE);
            String method = req.getMethod();
            if (method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) {
                return new ReadOnlyUser(readOnly);
            }
            refuse(req, resp, readOnly);
            return null;
        }
        SecurityProvider next = next();
        if (next == null) {
            resp.setHeader("WWW-Authenticate", "Basic realm=\"OSGi Management Console\", charset=\"UTF-8\"");
            try {
                resp.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            } catch (IOException e) {
                // the client is gone; it is refused either way
            }
            return null;
        }
        return next.authenticate(req, resp);
    }

    @Override
    public boolean authorize(Object who, String role) {
        if (who instanceof ReadOnlyUser) {
            return false;
        }
        SecurityProvider next = next();
        return next != null && next.authorize(who, role);
    }

    @Override
    public void logout(HttpServletRequest req, HttpServletResponse resp) {
        SecurityProvider next = next();
        if (next != null) {
            next.logout(req, resp);
        }
    }

    private void refuse(HttpServletRequest req, HttpServletResponse resp, String name) {
        ConsolePage.AUDIT.info("console_action refused: user={} method={} path={} code=read_only", ConsoleJson.write(name),
                req.getMethod(), ConsoleJson.write(req.getRequestURI()));
        try {
            resp.setStatus(HttpServletResponse.SC_FORBIDDEN);
            resp.setContentType("application/json");
            resp.setCharacterEncoding(StandardCharsets.UTF_8.name());
            resp.setHeader("Cache-Control", "no-store");
            resp.getWriter().write(ConsoleJson.write(Map.of("error", "read_only",
                    "message", "the read-only operator may look but not change anything")));
            resp.flushBuffer();
        } catch (IOException e) {
            // the client is gone; nothing was changed either way
        }
    }

    /** The provider this one stands in front of: the highest ranked of the others. */
    private SecurityProvider next() {
        Map.Entry<ServiceReference<SecurityProvider>, SecurityProvider> last = others.lastEntry();
        return last == null ? null : last.getValue();
    }

    /** User and password of a Basic {@code Authorization} header, or null. */
    static String[] basic(String header) {
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }
}
