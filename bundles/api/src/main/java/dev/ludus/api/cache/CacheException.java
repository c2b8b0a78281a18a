package dev.ludus.api.cache;

/**
 * A cache request was refused. {@link #code()} is stable: {@code cache_invalid_name},
 * {@code cache_invalid_bounds}, {@code cache_invalid_key}, {@code cache_null_value},
 * {@code cache_codec_changed}. Nothing was changed.
 */
public class CacheException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public CacheException(String code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
