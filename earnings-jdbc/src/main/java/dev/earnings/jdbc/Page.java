package dev.earnings.jdbc;

import java.util.List;

/**
 * One page of a longer list.
 *
 * @param items the items on this page
 * @param page the page number, from 0
 * @param pageSize the most items a page holds
 * @param totalItems the items on all pages
 * @param <T> the item type
 */
public record Page<T>(List<T> items, int page, int pageSize, long totalItems) {

    /**
     * Copies the list.
     *
     * @param items the items
     * @param page the page number
     * @param pageSize the page size
     * @param totalItems all items
     */
    public Page {
        items = List.copyOf(items);
    }

    /**
     * The number of pages.
     *
     * @return {@code ceil(totalItems / pageSize)}
     */
    public long totalPages() {
        return (totalItems + pageSize - 1) / pageSize;
    }
}
