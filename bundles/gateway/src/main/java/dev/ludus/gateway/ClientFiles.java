package dev.ludus.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The browser client at {@code /}: static HTML, CSS and JavaScript from this bundle's
 * {@code client/} folder, no build step. Registered as the default servlet, so every path that no
 * other servlet claims ({@code /ws}, {@code /health}, {@code /system/console}) lands here; only
 * the client's own files are served, anything else is 404.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/")
@RequireHttpWhiteboard
public class ClientFiles extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "svg", "image/svg+xml",
            "ico", "image/x-icon");

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? req.getServletPath() : req.getServletPath() + req.getPathInfo();
        if (path == null || path.isEmpty() || path.equals("/")) {
            path = "/index.html";
        }
        String file = path.substring(1);
        int dot = file.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(file.substring(dot + 1));
        if (type == null || !file.matches("[a-z0-9-]+\\.[a-z]+")) {
            resp.sendError(404);
            return;
        }
        URL url = ClientFiles.class.getResource("/client/" + file);
        if (url == null) {
            resp.sendError(404);
            return;
        }
        byte[] body;
        try (InputStream in = url.openStream()) {
            body = in.readAllBytes();
        }
        resp.setContentType(type);
        resp.setHeader("Cache-Control", "no-cache");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
