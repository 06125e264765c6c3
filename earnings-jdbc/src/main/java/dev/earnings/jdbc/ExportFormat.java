package dev.earnings.jdbc;

/**
 * How an export is written: both as UTF-8, one row per line, every row traceable to the id it
 * names (a use's eventId, a reversal's correction id, a payout's id and reference, an audit
 * entry's id).
 *
 * <p>Both carry the same values in the same order; amounts are always exact decimal text written
 * from {@link java.math.BigDecimal#toPlainString()} (never scientific notation, never binary
 * floating point), times ISO-8601 instants in UTC, days ISO-8601 dates.
 */
public enum ExportFormat {
    /**
     * Comma-separated values with a header row of the column names, written by Jackson's CSV
     * writer (RFC 4180 quoting: a cell with a comma, a quote or a line break is quoted), lines
     * ending in {@code \n}. A missing value is an empty cell. An export with no row is the header
     * alone.
     *
     * <p>Spreadsheets run a cell that begins with {@code =}, {@code +}, {@code -}, {@code @}, a tab
     * or a carriage return as a formula, so such text could run a command on the machine of
     * whoever opens the file (CSV injection). Every text cell (ids, names, reasons, notes, the
     * audit log's values) that begins with one of these, or with {@code '}, gets a {@code '} in
     * front: a spreadsheet then shows it as text, and a program gets the exact value back by
     * removing one leading {@code '} from a text cell that has one. Numbers, amounts, times, days
     * and flags are written by the library itself and never changed, so a negative amount stays
     * {@code -0.250000000000}, a number to every reader.
     */
    CSV,
    /**
     * JSON Lines: one JSON object per row on a line of its own, each ending in {@code \n}, with
     * every column as a key (a missing value is {@code null}). An export with no row is empty.
     * Amounts are JSON strings of the same exact text as in CSV, since many JSON readers turn
     * every number into binary floating point; counts, ordinals and ids that are whole numbers are
     * JSON numbers, flags JSON booleans. Nothing is neutralised: a JSON reader runs no formula.
     */
    JSON_LINES
}
