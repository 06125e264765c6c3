package dev.earnings.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Prints rows as a plain-text table with aligned columns; numbers right-aligned. */
final class Tables {
    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] right;

    private Tables(String... header) {
        rows.add(header);
        right = new boolean[header.length];
    }

    static Tables of(String... header) {
        return new Tables(header);
    }

    /** Right-aligns the given columns. */
    Tables right(int... columns) {
        for (int c : columns) {
            right[c] = true;
        }
        return this;
    }

    Tables row(Object... cells) {
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            row[i] = String.valueOf(cells[i]);
        }
        rows.add(row);
        return this;
    }

    void print(PrintStream out) {
        int[] widths = new int[right.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (int r = 0; r < rows.size(); r++) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < right.length; i++) {
                String cell = rows.get(r)[i];
                String pad = " ".repeat(widths[i] - cell.length());
                line.append(right[i] ? pad + cell : cell + pad).append(i + 1 < right.length ? "  " : "");
            }
            out.println(line.toString().stripTrailing());
            if (r == 0) {
                StringBuilder rule = new StringBuilder("  ");
                for (int i = 0; i < right.length; i++) {
                    rule.append("-".repeat(widths[i])).append(i + 1 < right.length ? "  " : "");
                }
                out.println(rule);
            }
        }
    }
}
