package dev.ludus.console;

/**
 * Escaping for the console's HTML. Every value a page shows passes through {@link #text}: room and
 * player names are chosen by players, so they are hostile input. Written here rather than taken
 * from the OWASP encoder the Web Console uses, because this bundle must resolve (and do nothing)
 * in a node started without the Web Console feature.
 */
final class Html {

    private Html() {
    }

    /**
     * The value as HTML text or as a double- or single-quoted attribute value: {@code & < > " '}
     * become character references; {@code null} becomes the empty string.
     */
    static String text(Object value) {
        if (value == null) {
            return "";
        }
        String s = String.valueOf(value);
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> null;
            };
            if (r != null) {
                if (b == null) {
                    b = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                b.append(r);
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /** A query-string value: percent-encoded UTF-8 (then safe in an attribute too). */
    static String query(String value) {
        return java.net.URLEncoder.encode(value == null ? "" : value, java.nio.charset.StandardCharsets.UTF_8);
    }
}
