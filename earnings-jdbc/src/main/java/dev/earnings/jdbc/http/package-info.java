/**
 * The library's results and refusals in the form an HTTP API answers them: {@link
 * dev.earnings.jdbc.http.JsonView} turns results into JSON-ready maps (every amount a decimal
 * string, never a JSON number, which most clients read as floating point) and {@link
 * dev.earnings.jdbc.http.HttpProblem} turns the library's exceptions into a status, the field at
 * fault and a message. The example host app and the Spring Boot starter's endpoints both answer
 * through them, so a client sees one wire format whichever a platform runs.
 *
 * <p>Every parameter and return value is non-null unless it is marked {@code @Nullable};
 * absence is expressed with {@link java.util.Optional}.
 */
@NullMarked
package dev.earnings.jdbc.http;

import org.jspecify.annotations.NullMarked;
