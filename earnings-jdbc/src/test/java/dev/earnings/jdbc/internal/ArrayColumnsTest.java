package dev.earnings.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * The column arrays the write statements are built from: the SQL text each part yields, and rows
 * that travel through a real database as text arrays and come back as the values they were.
 */
class ArrayColumnsTest {
    record Row(String name, Long count, BigDecimal amount, Boolean flag, LocalDate day, Instant at) {
    }

    static final ArrayColumns<Row> COLUMNS = new ArrayColumns<Row>("r_")
            .add("name", "VARCHAR", Row::name)
            .add("uses", "BIGINT", Row::count)
            .add("amount", "NUMERIC(38, 12)", Row::amount)
            .add("flag", "BOOLEAN", Row::flag)
            .add("on_day", "DATE", Row::day)
            .add("at_time", "TIMESTAMP WITH TIME ZONE", Row::at);

    @Test
    void theStatementTextNamesEveryColumnInOrder_withItsBindNameAndType() {
        assertThat(COLUMNS.names()).isEqualTo("name, uses, amount, flag, on_day, at_time");
        assertThat(COLUMNS.names("v")).isEqualTo("v.name, v.uses, v.amount, v.flag, v.on_day, v.at_time");
        assertThat(COLUMNS.unnest("v")).isEqualTo("UNNEST(CAST(:r_name AS VARCHAR ARRAY), CAST(:r_uses AS BIGINT ARRAY),"
                + " CAST(:r_amount AS NUMERIC(38, 12) ARRAY), CAST(:r_flag AS BOOLEAN ARRAY), CAST(:r_on_day AS DATE ARRAY),"
                + " CAST(:r_at_time AS TIMESTAMP WITH TIME ZONE ARRAY)) AS v (name, uses, amount, flag, on_day, at_time)");
    }

    @Test
    void rowsComeBackFromTheDatabaseAsTheyWereSent_amountsUnroundedAndNullsKept() {
        Instant at = Instant.parse("2026-03-10T12:34:56.123456Z");
        List<Row> rows = Arrays.asList(
                // An amount in exponent form is sent as a plain decimal: "1E+3" would not cast.
                new Row("first, with a comma", 9_007_199_254_740_993L, new BigDecimal("1E+3"), true,
                        LocalDate.of(2026, 3, 10), at),
                new Row(null, null, new BigDecimal("0.000000000001"), false, null, null),
                new Row("third", -1L, new BigDecimal("12345678901234567890123456.123456789012"), null,
                        LocalDate.of(1999, 12, 31), Instant.EPOCH));
        Jdbi jdbi = Jdbi.create("jdbc:h2:mem:array-columns;DB_CLOSE_DELAY=-1");
        List<Map<String, Object>> back;
        try (Handle h = jdbi.open()) {
            back = COLUMNS.bind(h.createQuery("SELECT " + COLUMNS.names("v") + " FROM " + COLUMNS.unnest("v")), rows)
                    .mapToMap().list();
        }
        assertThat(back).hasSize(3);
        assertThat(back.get(0)).containsEntry("name", "first, with a comma").containsEntry("uses", 9_007_199_254_740_993L)
                .containsEntry("flag", true).containsEntry("on_day", java.sql.Date.valueOf(LocalDate.of(2026, 3, 10)));
        assertThat((BigDecimal) back.get(0).get("amount")).isEqualByComparingTo("1000");
        assertThat(((OffsetDateTime) back.get(0).get("at_time")).toInstant()).isEqualTo(at);
        assertThat(back.get(1)).containsEntry("name", null).containsEntry("uses", null).containsEntry("flag", false)
                .containsEntry("on_day", null).containsEntry("at_time", null);
        assertThat((BigDecimal) back.get(1).get("amount")).isEqualByComparingTo("0.000000000001");
        assertThat((BigDecimal) back.get(2).get("amount")).isEqualByComparingTo("12345678901234567890123456.123456789012");
        assertThat(back.get(2)).containsEntry("flag", null).containsEntry("uses", -1L);
        assertThat(((OffsetDateTime) back.get(2).get("at_time")).withOffsetSameInstant(ZoneOffset.UTC).toInstant())
                .isEqualTo(Instant.EPOCH);
    }
}
