package dev.earnings.spring;

import org.springframework.http.HttpStatus;

/** A refusal of the HTTP endpoints' own (not the library's): a status, the field at fault and why. */
final class EarningsHttpException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final HttpStatus status;
    private final String field;

    EarningsHttpException(HttpStatus status, String field, String message) {
        super(message);
        this.status = status;
        this.field = field;
    }

    HttpStatus status() {
        return status;
    }

    String field() {
        return field;
    }
}
