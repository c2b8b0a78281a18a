package dev.ludus.web.security;

/**
 * A value in configuration {@value WebSecurityConfig#PID} that is outside its allowed range. The
 * component keeps its last good settings and reports the refusal in health.
 */
final class InvalidSettingException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Stable code, as shown in health and logs. */
    static final String CODE = "bad_setting";

    InvalidSettingException(String property, Object value, String allowed) {
        super(CODE + ": " + WebSecurityConfig.PID + " " + property + " = '" + value + "' refused, allowed: " + allowed);
    }
}
