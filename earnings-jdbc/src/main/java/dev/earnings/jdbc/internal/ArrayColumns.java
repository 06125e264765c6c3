package dev.earnings.jdbc.internal;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Rows sent to the database as one array per column, for statements that write many rows at once
 * ({@code INSERT ... SELECT FROM UNNEST} and {@code MERGE ... USING UNNEST}, SQL-standard forms
 * that H2 and PostgreSQL 15+ both run).
 *
 * <p>Written by hand because JDBI binds one array per name but has no notion of a table of rows
 * sent column-wise. Each column is declared once, with its name, SQL type and the value of a row,
 * and both the statement's text and its binds are derived from that one list, so no column can
 * be bound at the wrong place. Values travel as text (amounts as plain decimals) and are cast on
 * the server, so nothing is rounded on the way. Text types carry no length: an explicit cast to
 * {@code VARCHAR(n)} would cut a longer value without a word, where the insert into the column
 * refuses it.
 *
 * @param <R> the row type
 */
final class ArrayColumns<R> {
    private record Column<R>(String name, String sqlType, Function<R, ?> value) {
    }

    private final List<Column<R>> columns = new ArrayList<>();
    private final String prefix;

    /**
     * Starts a set of columns.
     *
     * @param prefix put before each column's name to make its bind name, so that several sets
     *     can be bound to one statement
     */
    ArrayColumns(String prefix) {
        this.prefix = prefix;
    }

    /**
     * Declares a column.
     *
     * @param name the column's name, also the name it is bound as
     * @param sqlType its SQL type, such as {@code BIGINT} or {@code NUMERIC(38, 12)}
     * @param value the row's value: a string, number, boolean, date, instant, or {@code null}
     * @return this
     */
    ArrayColumns<R> add(String name, String sqlType, Function<R, ?> value) {
        columns.add(new Column<>(name, sqlType, value));
        return this;
    }

    /** The column names, comma-separated, in declaration order. */
    String names() {
        return columns.stream().map(Column::name).collect(Collectors.joining(", "));
    }

    /** The column names, each qualified by {@code alias}, comma-separated. */
    String names(String alias) {
        return columns.stream().map(c -> alias + "." + c.name()).collect(Collectors.joining(", "));
    }

    /**
     * The rows as a table: {@code UNNEST(CAST(:pa AS T ARRAY), ...) AS alias (a, ...)}.
     *
     * @param alias the table's name
     * @return the table expression
     */
    String unnest(String alias) {
        return "UNNEST(" + columns.stream().map(c -> "CAST(:" + prefix + c.name() + " AS " + c.sqlType() + " ARRAY)")
                .collect(Collectors.joining(", ")) + ") AS " + alias + " (" + names() + ")";
    }

    /**
     * Binds every column of {@code rows} to the statement.
     *
     * @param statement the statement
     * @param rows the rows
     * @param <S> the statement type
     * @return the statement
     */
    <S extends SqlStatement<S>> S bind(S statement, List<R> rows) {
        for (Column<R> column : columns) {
            String[] values = new String[rows.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = text(column.value().apply(rows.get(i)));
            }
            statement.bind(prefix + column.name(), textArray(values));
        }
        return statement;
    }

    /**
     * An array of text as one argument. JDBI's {@code bindArray} resolves the element type's
     * generic signature on every call, a quarter of a single use's CPU time in a profile; the
     * driver's own {@code createArrayOf} does the same work directly.
     *
     * @param values the elements
     * @return the argument
     */
    static Argument textArray(String[] values) {
        return (position, statement, ctx) -> statement.setArray(position,
                statement.getConnection().createArrayOf("varchar", values));
    }

    private static String text(Object value) {
        if (value == null) {
            return null;
        }
        return value instanceof BigDecimal ? ((BigDecimal) value).toPlainString() : value.toString();
    }
}
