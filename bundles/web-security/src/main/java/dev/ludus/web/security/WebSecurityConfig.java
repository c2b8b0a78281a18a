package dev.ludus.web.security;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Ludus web security",
        description = "Defences applied to every HTTP request (the browser client, /health, /ws, the Web Console):"
                + " security headers, TRACE refused, cross-site writes refused, a lockout after repeated wrong"
                + " passwords, and a deadline for request headers.")
public @interface WebSecurityConfig {

    String PID = "dev.ludus.web";

    @AttributeDefinition(name = "Console path",
            description = "Path prefix of the Felix Web Console (felix.webconsole.manager.root). Its pages get the"
                    + " console Content-Security-Policy instead of the client one. Must start with /.")
    String consolePath() default "/system/console";

    @AttributeDefinition(name = "Allowed origins",
            description = "Origins, besides the server's own, whose pages may send POST, PUT, DELETE or PATCH requests,"
                    + " for example https://ops.example.com when a TLS proxy stands in front. Each is scheme://host[:port].",
            required = false)
    String[] allowedOrigins() default {};

    @AttributeDefinition(name = "Content-Security-Policy",
            description = "Sent on every response outside the console. The default fits the browser client: its own"
                    + " scripts, styles and WebSocket only, no framing.")
    String contentSecurityPolicy() default "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    @AttributeDefinition(name = "Console Content-Security-Policy",
            description = "Sent on console pages. The console uses inline scripts, so only framing is restricted.")
    String consoleContentSecurityPolicy() default "frame-ancestors 'self'";

    @AttributeDefinition(name = "Referrer-Policy", description = "Sent on every response.",
            options = {
                @org.osgi.service.metatype.annotations.Option(value = "no-referrer"),
                @org.osgi.service.metatype.annotations.Option(value = "same-origin"),
                @org.osgi.service.metatype.annotations.Option(value = "strict-origin")})
    String referrerPolicy() default "no-referrer";

    @AttributeDefinition(name = "Wrong passwords before lockout", min = "1", max = "1000",
            description = "Requests with wrong credentials (answered 401) from one address within the window that lock"
                    + " it out. 1 to 1000.")
    int maxLoginFailures() default 5;

    @AttributeDefinition(name = "Failure window (s)", min = "1", max = "86400",
            description = "Wrong passwords older than this are forgotten. 1 to 86400.")
    int loginFailureWindowSeconds() default 300;

    @AttributeDefinition(name = "First lockout (s)", min = "1", max = "86400",
            description = "How long an address is refused (429) after its first lockout; each further lockout doubles"
                    + " it. 1 to 86400.")
    int lockoutSeconds() default 30;

    @AttributeDefinition(name = "Longest lockout (s)", min = "1", max = "86400",
            description = "Cap for the doubling lockout. At least the first lockout, at most 86400.")
    int maxLockoutSeconds() default 900;

    @AttributeDefinition(name = "Request header deadline (s)", min = "1", max = "3600",
            description = "A connection that has not sent a complete request head this long after it opened, or after"
                    + " it began the next request, is closed (slow-header attacks). 1 to 3600.")
    int headerTimeoutSeconds() default 10;
}
