package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;

/**
 * What an admin asks of the creators overview: the period of the period figures, the sort, and
 * the page. Immutable; start from {@link #of(ReportPeriod)} and change what differs.
 *
 * <pre>{@code
 * CreatorsOverviewQuery.of(ReportPeriod.lastDays(30))
 *         .sortedBy(CreatorOverview.Sort.AVAILABLE_BALANCE, true)   // largest balances first
 *         .page(0, 50);
 * }</pre>
 *
 * @param period the days of the period figures
 * @param sort what to sort by; ties are broken by creator id
 * @param descending whether largest first
 * @param page the page, from 0
 * @param pageSize 1 to {@value #MAX_PAGE_SIZE}
 */
public record CreatorsOverviewQuery(ReportPeriod period, CreatorOverview.Sort sort, boolean descending, int page,
        int pageSize) {
    /** The largest page. */
    public static final int MAX_PAGE_SIZE = 500;

    /** The last page that may be asked for. */
    public static final int MAX_PAGE = 1_000_000;

    /**
     * Checks every part.
     *
     * @param period the days
     * @param sort the sort key
     * @param descending whether largest first
     * @param page the page
     * @param pageSize the page's size
     */
    public CreatorsOverviewQuery {
        if (period == null) {
            throw new InvalidInputException("period", "period is missing; allowed: ReportPeriod.lastDays(n) or ReportPeriod.between(from, to)");
        }
        if (sort == null) {
            throw new InvalidInputException("sort", "sort is missing; allowed: one of " + java.util.Arrays.toString(
                    CreatorOverview.Sort.values()));
        }
        if (page < 0 || page > MAX_PAGE) {
            throw new InvalidInputException("page", "page is " + page + "; allowed: 0 to " + MAX_PAGE);
        }
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new InvalidInputException("pageSize", "pageSize is " + pageSize + "; allowed: 1 to " + MAX_PAGE_SIZE);
        }
    }

    /**
     * The first 50 creators by id, with figures for the period.
     *
     * @param period the days of the period figures
     * @return the query
     */
    public static CreatorsOverviewQuery of(ReportPeriod period) {
        return new CreatorsOverviewQuery(period, CreatorOverview.Sort.CREATOR_ID, false, 0, 50);
    }

    /**
     * The same query, sorted otherwise.
     *
     * @param sort what to sort by
     * @param descending whether largest first
     * @return the query
     */
    public CreatorsOverviewQuery sortedBy(CreatorOverview.Sort sort, boolean descending) {
        return new CreatorsOverviewQuery(period, sort, descending, page, pageSize);
    }

    /**
     * The same query, for another page.
     *
     * @param page the page, from 0
     * @param pageSize 1 to {@value #MAX_PAGE_SIZE}
     * @return the query
     */
    public CreatorsOverviewQuery page(int page, int pageSize) {
        return new CreatorsOverviewQuery(period, sort, descending, page, pageSize);
    }
}
