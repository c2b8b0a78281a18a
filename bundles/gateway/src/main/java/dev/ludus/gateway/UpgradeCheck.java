package dev.ludus.gateway;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a WebSocket upgrade may proceed, from its Origin and Host headers, before any
 * endpoint is made for it:
 * <ul>
 * <li>A browser page may open {@code /ws} only from this server's own origin (its authority equals
 * the request's Host) or from an origin the operator allowed. A client that sends no Origin (a
 * native client, a tool) is not a browser page and is allowed; {@code Origin: null} (sandboxed
 * frames, local files) is a browser page with no origin and is refused unless allowed.</li>
 * <li>On a loopback address, the Host header must name the machine itself (localhost, a loopback
 * address) or an allowed name: a foreign page whose name resolves to 127.0.0.1 (DNS rebinding)
 * is otherwise "same origin" with itself.</li>
 * </ul>
 * Immutable; one per configuration.
 */
final class UpgradeCheck {

    /** A refused upgrade: the HTTP status and the reason sent with it. */
    record Refusal(int status, String reason) {
    }

    private final List<String> origins;
    private final boolean anyOrigin;
    private final List<String> hosts;

    UpgradeCheck(String[] allowedOrigins, String[] allowedHosts) {
        this.origins = clean(allowedOrigins).stream().map(UpgradeCheck::normalOrigin).toList();
        this.anyOrigin = origins.contains("*");
        this.hosts = clean(allowedHosts).stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    }

    private static List<String> clean(String[] values) {
        return values == null ? List.of()
                : Arrays.stream(values).filter(v -> v != null && !v.isBlank()).map(String::strip).toList();
    }

    /** Null if the upgrade may go on, else why not. */
    Refusal check(String origin, String host, boolean loopback) {
        if (host == null || host.isBlank()) {
            return new Refusal(400, "a Host header is required");
        }
        if (loopback && !loopbackName(hostName(host))) {
            return new Refusal(403, "host name not served on this address");
        }
        if (origin == null || anyOrigin) {
            return null;
        }
        String o = normalOrigin(origin);
        if (origins.contains(o)) {
            return null;
        }
        String authority = authorityOf(o);
        if (authority != null && authority.equals(withDefaultPort(host.toLowerCase(Locale.ROOT), o.startsWith("https:")))) {
            return null;
        }
        return new Refusal(403, "origin not allowed");
    }

    private boolean loopbackName(String name) {
        if (name.equals("localhost") || name.endsWith(".localhost") || hosts.contains(name)) {
            return true;
        }
        if (name.equals("::1") || name.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        // An IPv4 literal in 127.0.0.0/8. Names are never resolved here: resolving is what rebinding abuses.
        String[] parts = name.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** The host name of a Host header, lower case, without port or IPv6 brackets. */
    static String hostName(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 ? h.substring(1, end) : h;
        }
        int colon = h.indexOf(':');
        return colon >= 0 ? h.substring(0, colon) : h;
    }

    private static String normalOrigin(String origin) {
        String o = origin.strip().toLowerCase(Locale.ROOT);
        while (o.endsWith("/")) {
            o = o.substring(0, o.length() - 1);
        }
        if (o.equals("*") || o.equals("null")) {
            return o;
        }
        String authority = authorityOf(o);
        if (authority == null) {
            return o;
        }
        return o.substring(0, o.indexOf("://") + 3) + withDefaultPort(authority, o.startsWith("https:"));
    }

    private static String authorityOf(String origin) {
        int i = origin.indexOf("://");
        if (i < 0) {
            return null;
        }
        String rest = origin.substring(i + 3);
        int slash = rest.indexOf('/');
        return slash >= 0 ? rest.substring(0, slash) : rest;
    }

    /** {@code host[:port]} with the scheme's default port made explicit, so both spellings compare equal. */
    private static String withDefaultPort(String authority, boolean secure) {
        boolean hasPort = authority.startsWith("[") ? authority.contains("]:") : authority.contains(":");
        return hasPort ? authority : authority + (secure ? ":443" : ":80");
    }
}
