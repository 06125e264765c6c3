package dev.earnings.jdbc.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.earnings.jdbc.ExportFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Writes the rows of one export, one value after another in the columns' order, as CSV or JSON
 * Lines, with Jackson: nothing here quotes or escapes by hand. The kinds of value are the export's
 * contract: {@link #text} is anything a host or caller chose (ids, names, reasons, notes), which
 * CSV neutralises against formulas; every other kind the library formats itself and no format
 * changes.
 *
 * <p>Jackson's generators buffer what they write and pass it to the stream in blocks: a row may
 * sit in the buffer while the database fails, and then nothing of the attempt reached the
 * stream. The stream's failures are thrown as they are; the caller, who writes from inside a JDBI
 * callback, turns them into unchecked ones once per row.
 */
abstract class ExportSink {
    /** The first characters that make a spreadsheet read a cell as a formula (OWASP), and the quote that marks one. */
    private static final String FORMULA_STARTS = "=+-@\t\r'";

    final List<String> columns;
    final JsonGenerator generator;

    private ExportSink(List<String> columns, JsonGenerator generator) {
        this.columns = columns;
        this.generator = generator;
        // The host's stream is the host's: flushed at the end, never closed.
        generator.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    }

    /**
     * A sink of the format over the stream, writing nothing yet.
     *
     * @param format CSV or JSON Lines
     * @param out where the rows go; never closed here
     * @param columns the columns' names, in the order every row gives its values
     * @return the sink
     * @throws IOException if the stream fails
     */
    static ExportSink of(ExportFormat format, OutputStream out, List<String> columns) throws IOException {
        return format == ExportFormat.CSV ? new Csv(out, columns) : new JsonLines(out, columns);
    }

    /**
     * A text cell as CSV writes it: with a {@code '} in front when it begins with a character that
     * starts a formula, or with {@code '} itself, so that removing one leading {@code '} always
     * gives the value back.
     *
     * @param value the text
     * @return the cell
     */
    static String neutralised(String value) {
        return !value.isEmpty() && FORMULA_STARTS.indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
    }

    /** Text a host or caller chose: an id, a name, a reason, a note. */
    abstract void text(@Nullable String value) throws IOException;

    /** An exact decimal (an amount, a multiplier), as {@link BigDecimal#toPlainString()} writes it. */
    final void decimal(@Nullable BigDecimal value) throws IOException {
        string(value == null ? null : value.toPlainString());
    }

    /** A whole number: a count, an ordinal, an id that is a number. */
    abstract void number(@Nullable Long value) throws IOException;

    /** A flag. */
    abstract void flag(boolean value) throws IOException;

    /** An instant, as ISO-8601 in UTC. */
    final void time(@Nullable Instant value) throws IOException {
        string(value == null ? null : value.toString());
    }

    /** A UTC day, as ISO-8601. */
    final void day(@Nullable LocalDate value) throws IOException {
        string(value == null ? null : value.toString());
    }

    /** A JSON object the library wrote (the audit log's values): a text cell in CSV, an object in JSON Lines. */
    abstract void json(@Nullable String value) throws IOException;

    /** Ends the row. */
    abstract void endRow() throws IOException;

    /**
     * Ends the export: what no row has written yet (the CSV header of an export with no row),
     * then everything buffered, to the stream, which is flushed and left open.
     */
    void finish() throws IOException {
        generator.flush();
    }

    /** Starts a value: the row's start when it is the first, its name in JSON. */
    abstract void value() throws IOException;

    /** Text the library formatted itself, or nothing: written as it is in both formats. */
    final void string(@Nullable String value) throws IOException {
        value();
        if (value == null) {
            generator.writeNull();
        } else {
            generator.writeString(value);
        }
    }

    /** CSV with a header row, through Jackson's CSV generator, one root-level array a row. */
    private static final class Csv extends ExportSink {
        /** Quotes a cell only when it must be (a separator, quote or line break in it, a space at an end). */
        private static final CsvMapper MAPPER = CsvMapper.builder().enable(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING)
                .build();

        private boolean header;
        private boolean inRow;

        Csv(OutputStream out, List<String> columns) throws IOException {
            super(columns, MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8));
            CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(false).setLineSeparator("\n").setNullValue("");
            columns.forEach(schema::addColumn);
            ((CsvGenerator) generator).setSchema(schema.build());
        }

        /** The header, written as a row of its own before the first row (or alone). */
        private void header() throws IOException {
            header = true;
            generator.writeStartArray();
            for (String column : columns) {
                generator.writeString(column);
            }
            generator.writeEndArray();
        }

        @Override
        void value() throws IOException {
            if (!header) {
                header();
            }
            if (!inRow) {
                inRow = true;
                generator.writeStartArray();
            }
        }

        @Override
        void text(@Nullable String value) throws IOException {
            string(value == null ? null : neutralised(value));
        }

        @Override
        void number(@Nullable Long value) throws IOException {
            string(value == null ? null : value.toString());
        }

        @Override
        void flag(boolean value) throws IOException {
            string(Boolean.toString(value));
        }

        @Override
        void json(@Nullable String value) throws IOException {
            text(value);
        }

        @Override
        void endRow() throws IOException {
            value();
            generator.writeEndArray();
            inRow = false;
        }

        @Override
        void finish() throws IOException {
            if (!header) {
                header();
            }
            super.finish();
        }
    }

    /** JSON Lines: one object a row, each followed by a line feed. */
    private static final class JsonLines extends ExportSink {
        /**
         * Root values are separated by the line feed each row writes, not by Jackson's default
         * space; characters beyond the Basic Multilingual Plane are written as UTF-8, not as
         * escaped surrogate pairs.
         */
        private static final JsonMapper MAPPER = JsonMapper.builder(new JsonFactoryBuilder().rootValueSeparator((String) null)
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build()).build();

        private final SerializableString[] names;
        private int column;

        JsonLines(OutputStream out, List<String> columns) throws IOException {
            super(columns, MAPPER.createGenerator(out, JsonEncoding.UTF8));
            this.names = columns.stream().map(SerializedString::new).toArray(SerializableString[]::new);
        }

        @Override
        void value() throws IOException {
            if (column == 0) {
                generator.writeStartObject();
            }
            generator.writeFieldName(names[column++]);
        }

        @Override
        void text(@Nullable String value) throws IOException {
            string(value);
        }

        @Override
        void number(@Nullable Long value) throws IOException {
            value();
            if (value == null) {
                generator.writeNull();
            } else {
                generator.writeNumber(value);
            }
        }

        @Override
        void flag(boolean value) throws IOException {
            value();
            generator.writeBoolean(value);
        }

        @Override
        void json(@Nullable String value) throws IOException {
            JsonNode tree = null;
            if (value != null) {
                try {
                    tree = MAPPER.readTree(value);
                } catch (JsonProcessingException e) {
                    // Not JSON after all (the library writes only JSON here): kept as the text it is.
                    string(value);
                    return;
                }
            }
            value();
            generator.writeTree(tree);
        }

        @Override
        void endRow() throws IOException {
            if (column != names.length) {
                throw new IllegalStateException("a row of " + column + " values for " + names.length + " columns");
            }
            generator.writeEndObject();
            generator.writeRaw('\n');
            column = 0;
        }
    }
}
