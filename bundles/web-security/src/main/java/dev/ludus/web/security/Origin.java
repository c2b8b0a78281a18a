package dev.ludus.web.security;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A web origin (scheme, host, port) as browsers compare them: case-insensitive host, the scheme's
 * default port made explicit.
 */
record Origin(String scheme, String host, int port) {

    /**
     * Parses an {@code Origin} or {@code Referer} header value, or a configured origin. Path, query
     * and fragment are ignored.
     *
     * @return the origin, or {@code null} for anything that is not an http(s) URL with a host
     *         (including the opaque origin {@code null})
     */
    static Origin parse(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            URI uri = new URI(value.trim());
            String scheme = uri.getScheme();
            String host = uri.getHost();
            if (scheme == null || host == null) {
                return null;
            }
            scheme = scheme.toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                return null;
            }
            int port = uri.getPort() >= 0 ? uri.getPort() : defaultPort(scheme);
            return new Origin(scheme, host.toLowerCase(Locale.ROOT), port);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /**
     * The origin a browser sees for a request that arrived with this scheme and {@code Host}
     * header, or {@code null} if the Host header is missing or malformed.
     */
    static Origin ofRequest(String scheme, String hostHeader) {
        if (hostHeader == null || hostHeader.isBlank() || hostHeader.contains("/") || hostHeader.contains("@")) {
            return null;
        }
        return parse(scheme + "://" + hostHeader.trim());
    }

    private static int defaultPort(String scheme) {
        return scheme.equals("https") ? 443 : 80;
    }

    @Override
    public String toString() {
        return scheme + "://" + host + ":" + port;
    }
}
