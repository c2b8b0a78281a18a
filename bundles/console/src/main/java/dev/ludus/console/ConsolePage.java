package dev.ludus.console;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * One Web Console page of category "Ludus". The Web Console frames a plugin's answer to
 * {@code GET /system/console/<label>} with its own header, menu and footer, and passes
 * {@code GET /system/console/<label>.json} (any extension) through untouched; a page answers the
 * first with HTML rendered from its model and the second with the same model as JSON, which the
 * page's script reads to refresh itself. A page that can change something takes a POST
 * ({@link #act}): the Web Console's login applies, and the web-security bundle refuses a POST
 * whose {@code Origin} or {@code Referer} is another site (the console's CSRF protection); every
 * action, done or refused, is logged with who asked ({@code console_action}).
 *
 * <p>Thread safe: a page keeps no per-request state.
 */
abstract class ConsolePage extends HttpServlet {
    private static final long serialVersionUID = 1L;

    /** The Web Console's menu category of every Ludus page. */
    static final String CATEGORY = "Ludus";
    /** Request attribute in which the Web Console passes its root path ({@code /system/console}). */
    static final String APP_ROOT = "felix.webconsole.appRoot";

    /** Set (to {@code true}) on requests of the read-only operator ({@link ReadOnlyOperator}). */
    static final String READ_ONLY_ATTRIBUTE = "dev.ludus.console.readOnly";
    /** Where every console action, done or refused, is logged. */
    static final org.slf4j.Logger AUDIT = org.slf4j.LoggerFactory.getLogger("dev.ludus.console.audit");
    /** How often the pages refresh themselves, in milliseconds. */
    static final int REFRESH_MILLIS = 2000;

    /** The page's {@code felix.webconsole.label}. */
    abstract String label();

    /**
     * What the page shows, as JSON-compatible maps, lists, strings, numbers and booleans.
     *
     * @throws BadRequest for a query that names something that cannot be (a bad state, cursor...)
     */
    abstract Map<String, Object> model(HttpServletRequest req);

    /**
     * Carries out the action a POST asks for and says what was done (JSON-compatible), for the
     * audit line and the caller. The default refuses: most pages change nothing.
     *
     * @throws BadRequest when the action is refused; nothing changed then
     */
    Map<String, Object> act(HttpServletRequest req) {
        throw new BadRequest(HttpServletResponse.SC_METHOD_NOT_ALLOWED, "read_only", "this page changes nothing");
    }

    /** Writes the page's HTML for {@code model}; every value through {@link Html#text}. */
    abstract void render(Map<String, Object> model, HttpServletRequest req, PrintWriter out);

    /** A refused query: answered with {@code status} (400 unless said) and a stable {@code code}. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String code;
        final int status;

        BadRequest(String code, String message) {
            this(HttpServletResponse.SC_BAD_REQUEST, code, message);
        }

        BadRequest(int status, String code, String message) {
            super(message);
            this.code = code;
            this.status = status;
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        boolean json = req.getRequestURI().endsWith(".json");
        Map<String, Object> model;
        try {
            model = model(req);
        } catch (BadRequest e) {
            if (json) {
                resp.setStatus(e.status);
                writeJson(resp, Map.of("error", e.code, "message", e.getMessage()));
            } else {
                PrintWriter out = resp.getWriter();
                out.println("<p class=\"ludus-error\">" + Html.text(e.code) + ": " + Html.text(e.getMessage()) + "</p>");
            }
            return;
        }
        if (json) {
            writeJson(resp, model);
            return;
        }
        String root = appRoot(req);
        // Written whole at the end: row by row, a page of hundreds of rows went out in as many
        // small writes.
        java.io.StringWriter page = new java.io.StringWriter(16384);
        PrintWriter out = new PrintWriter(page);
        // Under the node's Referrer-Policy no-referrer, a browser posts this page's forms with
        // "Origin: null", which web-security must refuse as another site: the page's own policy
        // lets it send its origin to itself (and still nothing to other sites).
        out.println("<meta name=\"referrer\" content=\"same-origin\">");
        out.println("<link rel=\"stylesheet\" href=\"" + Html.text(root + "/" + label() + "/res/ludus-console.css")
                + "\">");
        String query = withoutNotices(req.getQueryString());
        out.println("<div class=\"ludus\" data-ludus-json=\"" + Html.text(root + "/" + label() + ".json"
                + (query == null ? "" : "?" + query)) + "\" data-ludus-refresh=\"" + REFRESH_MILLIS + "\">");
        out.println("<p class=\"ludus-refresh\">Refreshes every " + REFRESH_MILLIS / 1000
                + " s <span data-ludus-stamp></span></p>");
        if (readOnly(req)) {
            out.println("<p class=\"ludus-note\">Logged in read-only: actions are not offered.</p>");
        }
        // Codes only, each with a fixed text: a link cannot make the page say what it likes.
        String done = Notices.text(Notices.DONE, req.getParameter("done"));
        if (done != null) {
            out.println("<p class=\"ludus-done\">" + Html.text(done) + "</p>");
        }
        String refused = Notices.text(Notices.REFUSED, req.getParameter("refused"));
        if (refused != null) {
            out.println("<p class=\"ludus-error\">" + Html.text(refused) + "</p>");
        }
        render(model, req, out);
        out.println("</div>");
        out.println("<script src=\"" + Html.text(root + "/" + label() + "/res/ludus-console.js") + "\"></script>");
        out.flush();
        resp.getWriter().write(page.toString());
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        boolean json = req.getRequestURI().endsWith(".json");
        String user = user(req);
        String action = String.valueOf(req.getParameter("action"));
        Map<String, Object> result;
        try {
            result = new java.util.LinkedHashMap<>(act(req));
        } catch (BadRequest e) {
            // Values as JSON strings: what a client sent cannot start a line of its own in the log.
            AUDIT.info("console_action refused: user={} page={} action={} code={} reason={}", ConsoleJson.write(user),
                    label(), ConsoleJson.write(action), e.code, ConsoleJson.write(e.getMessage()));
            if (json) {
                resp.setStatus(e.status);
                writeJson(resp, Map.of("error", e.code, "message", e.getMessage()));
            } else {
                resp.sendRedirect(appRoot(req) + "/" + label() + "?" + back(req) + "refused="
                        + Html.query(e.code));
            }
            return;
        }
        result.put("by", user);
        AUDIT.info("console_action: user={} page={} action={} {}", ConsoleJson.write(user), label(),
                ConsoleJson.write(action), ConsoleJson.write(result));
        if (json) {
            writeJson(resp, result);
        } else {
            resp.sendRedirect(appRoot(req) + "/" + label() + "?" + back(req) + "done="
                    + Html.query(action));
        }
    }

    /**
     * The view a form came from ({@code back}, a query string such as {@code room=<id>}) with a
     * trailing {@code &}, so the answer returns there; only letters, digits and URL-escape
     * characters pass, so it cannot lead elsewhere.
     */
    static String back(HttpServletRequest req) {
        String back = req.getParameter("back");
        return back != null && back.matches("[A-Za-z0-9=&%._~+-]{1,300}") ? back + "&" : "";
    }

    /** The query without its {@code done} and {@code refused} notices: the JSON twin needs neither. */
    static String withoutNotices(String query) {
        if (query == null) {
            return null;
        }
        StringBuilder kept = new StringBuilder();
        for (String part : query.split("&")) {
            if (!part.isEmpty() && !part.startsWith("done=") && !part.startsWith("refused=")) {
                kept.append(kept.length() == 0 ? "" : "&").append(part);
            }
        }
        return kept.length() == 0 ? null : kept.toString();
    }

    /** A request parameter, stripped; null when missing or blank. */
    static String param(HttpServletRequest req, String name) {
        String v = req.getParameter(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** Whether the read-only operator asks: its pages offer no action (its POSTs never arrive). */
    static boolean readOnly(HttpServletRequest req) {
        return Boolean.TRUE.equals(req.getAttribute(READ_ONLY_ATTRIBUTE));
    }

    /** Who is logged in to the console, as the Web Console's authentication tells. */
    static String user(HttpServletRequest req) {
        String user = req.getRemoteUser();
        for (String attribute : new String[] {"org.osgi.service.servlet.context.remote.user",
                "org.osgi.service.http.authentication.remote.user"}) {
            if (user == null && req.getAttribute(attribute) instanceof String s) {
                user = s;
            }
        }
        return user == null ? "unknown" : user;
    }

    private static void writeJson(HttpServletResponse resp, Object body) throws IOException {
        resp.setContentType("application/json");
        resp.setCharacterEncoding(StandardCharsets.UTF_8.name());
        resp.setHeader("Cache-Control", "no-store");
        resp.getWriter().write(ConsoleJson.write(body));
    }

    static String appRoot(HttpServletRequest req) {
        Object root = req.getAttribute(APP_ROOT);
        return root instanceof String s ? s : req.getContextPath() + req.getServletPath();
    }

    // ---------------------------------------------------------------- small HTML pieces

    /** A cell or span whose text the page's script replaces from the JSON at {@code path}. */
    static String live(String path, Object value) {
        return "<span data-k=\"" + Html.text(path) + "\">" + Html.text(value) + "</span>";
    }

    /** A two-column table of a map's entries, each value live at {@code path.key}. */
    static void keyValues(PrintWriter out, String path, Map<?, ?> values) {
        out.println("<table class=\"nicetable ludus-kv\"><tbody>");
        for (Map.Entry<?, ?> e : values.entrySet()) {
            String key = String.valueOf(e.getKey());
            out.println("<tr><th>" + Html.text(key) + "</th><td>" + live(path + "." + key, e.getValue()) + "</td></tr>");
        }
        out.println("</tbody></table>");
    }

    /**
     * A table of {@code rows} (maps), one column per key of {@code columns} (key → heading), which
     * the page's script rebuilds from the JSON list at {@code path}. With {@code linkKey}, the
     * first column links to {@code ?<linkParam>=<the row's linkKey value>}.
     */
    static void table(PrintWriter out, String path, Map<String, String> columns, java.util.List<Map<String, Object>> rows,
                      String linkParam, String linkKey) {
        out.println("<table class=\"nicetable ludus-table\"><thead><tr>");
        for (String heading : columns.values()) {
            out.print("<th>" + Html.text(heading) + "</th>");
        }
        out.println("</tr></thead>");
        out.print("<tbody data-rows=\"" + Html.text(path) + "\" data-cols=\"" + Html.text(String.join(",", columns.keySet()))
                + "\"");
        if (linkParam != null) {
            out.print(" data-link-param=\"" + Html.text(linkParam) + "\" data-link-key=\"" + Html.text(linkKey) + "\"");
        }
        out.println(">");
        for (Map<String, Object> row : rows) {
            out.print("<tr>");
            boolean first = true;
            for (String key : columns.keySet()) {
                String cell = Html.text(row.get(key));
                if (first && linkParam != null) {
                    cell = "<a href=\"?" + Html.text(linkParam) + "=" + Html.query(String.valueOf(row.get(linkKey))) + "\">"
                            + cell + "</a>";
                }
                out.print("<td>" + cell + "</td>");
                first = false;
            }
            out.println("</tr>");
        }
        out.println("</tbody></table>");
    }
}
