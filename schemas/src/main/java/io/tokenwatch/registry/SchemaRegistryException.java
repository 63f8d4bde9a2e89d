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

    /** True for 4xx answers: retrying will not help. */
    public boolean isClientError() {
        return httpStatus >= 400 && httpStatus < 500;
    }
}
