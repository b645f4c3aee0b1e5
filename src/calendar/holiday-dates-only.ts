/**
 * A calendar that gives each holiday's local date without placing it in the country's zone:
 * only the date is used (holidays.ts), and the library's instants cost moment-timezone's
 * unpacking of the zone and a parse and format per holiday (most of a cold `calendar`'s
 * holiday time). The zone decides no date (rules that need one, equinoxes, name their own);
 * test/calendar/holiday-dates.test.ts holds every country's dates alike both ways.
 */
export function datesOnly<T extends { setTimezone(timezone: string): void }>(calendar: T): T {
  calendar.setTimezone("");
  return calendar;
}
