package dev.ludus.itests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** Plain HTTP calls for tests: status and body, optional basic auth. */
final class Http {

    record Response(int status, String body) {
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Http() {
    }

    static Response get(String url) throws IOException, InterruptedException {
        return get(url, null, null);
    }

    static Response get(String url, String user, String password) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (user != null) {
            String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            b.header("Authorization", "Basic " + token);
        }
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body());
    }

    /** Like {@link #get(String)} but answers status -1 while nothing listens. */
    static Response tryGet(String url, String user, String password) throws InterruptedException {
        try {
            return get(url, user, password);
        } catch (IOException e) {
            return new Response(-1, e.toString());
        }
    }

    /**
     * A form POST with basic auth and header {@code header} unless its value is null; a redirect's
     * {@code Location} is added to the body as a line of its own.
     */
    static Response postForm(String url, String user, String password, String header, String value,
                             java.util.Map<String, String> form) throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder();
        for (java.util.Map.Entry<String, String> e : form.entrySet()) {
            body.append(body.length() == 0 ? "" : "&").append(e.getKey()).append('=')
                    .append(java.net.URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Basic " + auth)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (value != null) {
            b.header(header, value);
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body() + r.headers().firstValue("Location").map(l -> "\nLocation: " + l)
                .orElse(""));
    }
}
