package dev.earnings.jdbc.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Request bodies read strictly, and a member's value handed on as the exact text sent. */
class JsonRequestTest {
    static JsonRequest parse(String text) {
        return JsonRequest.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"metadata\": { \"a\" : \"}\\\"{\" , \"b\":[1, {\"c\":1.50}] } }",
        "{\"metadata\":[1,2.0e3,\"]\"],\"after\":true}",
        "{\"before\":{\"metadata\":1},\"metadata\":\"a \\\"quoted\\\" \\u00e9\"}",
        "{\"metadata\":1e400}",
        "{\"metadata\":-0.10}",
        "{\"metadata\":false}",
        "{\"metadata\":{}}"
    })
    void raw_isTheValueExactlyAsSent(String text) {
        String value = text.substring(text.lastIndexOf("\"metadata\":") + "\"metadata\":".length(), text.length() - 1);
        // Up to the end of the value: cut off a member that follows it.
        String expected = value.contains(",\"after\"") ? value.substring(0, value.indexOf(",\"after\"")) : value.strip();
        assertThat(parse(text).raw("metadata")).contains(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"metadata\":null}", "{\"other\":{\"metadata\":{}}}"})
    void raw_ofAnAbsentOrNullMember_isEmpty(String text) {
        assertThat(parse(text).raw("metadata")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"a\":1,\"a\":1}",
        "{\"a\":{\"b\":1,\"b\":2}}",
        "{\"a\":1}{}",
        "{\"a\":1} x",
        "{\"a\":NaN}",
        "{'a':1}",
        "{\"a\":1,}",
        "\"a\"",
        "",
        "\ufeff{\"a\":1}"
    })
    void parse_refusesAnythingButOneStrictObject(String text) {
        assertThatThrownBy(() -> parse(text)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.field()).isEqualTo("body");
            assertThat(HttpProblem.of(e).orElseThrow().status()).isEqualTo(400);
        });
    }

    @Test
    void parse_refusesBytesThatAreNotUtf8() {
        assertThatThrownBy(() -> JsonRequest.parse(new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'}))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.getMessage()).contains("not UTF-8"));
    }

    @Test
    void decimal_isExact_andOnlyFromAString() {
        assertThat(parse("{\"a\":\"0.1000000000000000055511151231257827\"}").decimal("a"))
                .hasValueSatisfying(d -> assertThat(d).hasToString("0.1000000000000000055511151231257827"));
        assertThat(parse("{\"a\":null}").decimal("a")).isEmpty();
        for (String refused : List.of("0.1", "\"-1\"", "\"1e3\"", "\".5\"", "\"1.\"", "\"\"", "true")) {
            assertThatThrownBy(() -> parse("{\"a\":" + refused + "}").decimal("a"))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("a"));
        }
    }

    @Test
    void fields_areCheckedByType_andNamedWhenRefused() {
        JsonRequest body = parse("{\"s\":\"x\",\"n\":12,\"big\":1e2,\"f\":1.5,\"b\":false,\"huge\":99999999999999999999}");
        assertThat(body.text("s")).isEqualTo("x");
        assertThat(body.wholeNumber("n")).isEqualTo(12);
        assertThat(body.bool("b", true)).isFalse();
        assertThat(body.bool("absent", true)).isTrue();
        assertThat(body.optionalText("absent")).isEmpty();
        assertThat(body.fields()).containsExactly("s", "n", "big", "f", "b", "huge");
        for (String field : List.of("big", "f", "huge", "s", "absent")) {
            assertThatThrownBy(() -> body.wholeNumber(field))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo(field));
        }
        assertThatThrownBy(() -> body.text("n")).hasMessage("n must be a string");
        assertThatThrownBy(() -> body.text("absent")).hasMessage("absent is required");
        assertThatThrownBy(() -> body.bool("s", true)).hasMessage("s must be true or false");
        assertThatThrownBy(() -> body.onlyFields("a thing", Set.of("s", "n")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.field()).isEqualTo("big");
                    assertThat(e.getMessage()).isEqualTo("big is not a field of a thing; allowed: [n, s]");
                });
    }

    @Test
    void read_stopsOneByteAfterTheLimit() throws Exception {
        byte[] body = "{\"a\":\"0123456789\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(JsonRequest.read(new ByteArrayInputStream(body), body.length).text("a")).isEqualTo("0123456789");
        // A stream that never ends: only the limit and one byte are read before the refusal.
        InputStream endless = new InputStream() {
            long read;

            @Override
            public int read() {
                read++;
                return ' ';
            }
        };
        assertThatThrownBy(() -> JsonRequest.read(endless, 1000)).isInstanceOfSatisfying(BodyTooLargeException.class, e -> {
            assertThat(e.maxBytes()).isEqualTo(1000);
            assertThat(HttpProblem.of(e).orElseThrow().status()).isEqualTo(413);
        });
        assertThatThrownBy(() -> JsonRequest.read(new ByteArrayInputStream(body), body.length - 1))
                .isInstanceOf(BodyTooLargeException.class);
    }
}
