package io.tokenwatch.registry;

/**
 * A registry call that failed. {@link #errorCode()} is the registry's {@code error_code} (e.g. 40401
 * subject not found, 40403 schema not found, 409 incompatible), or -1 when the registry could not be
 * reached.
 */
public class SchemaRegistryException extends RuntimeException {
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int INCOMPATIBLE = 409;
    public static final int INVALID_SCHEMA = 42201;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int errorCode() {
        return errorCode;
    }

    /**
     * True when the registry could not answer the question (unreachable, 5xx, a timeout) or would not
     * (401/403: credentials rotated or revoked; 429: rate limited): a state of the registry that passes,
     * never a fault of the record being (de)serialized. Other 4xx answers (not found, incompatible) are
     * final.
     */
    public boolean isUnavailable() {
        return httpStatus < 400 || httpStatus >= 500 || httpStatus == 401 || httpStatus == 403 || httpStatus == 408 || httpStatus == 429;
    }
}
