import type { BusinessHours } from '@switchboard/protocol';

type Interval = BusinessHours['days'][number];

/** Monday first, as shops write their hours; `day` is 0 = Sunday … 6 = Saturday. */
const WEEK: ReadonlyArray<{ day: number; name: string }> = [
  { day: 1, name: 'Monday' },
  { day: 2, name: 'Tuesday' },
  { day: 3, name: 'Wednesday' },
  { day: 4, name: 'Thursday' },
  { day: 5, name: 'Friday' },
  { day: 6, name: 'Saturday' },
  { day: 0, name: 'Sunday' },
];

function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function zones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? [];
}

/** Opening hours: always open (null), or intervals per weekday in the site's time zone. */
export function BusinessHoursField({
  value,
  onChange,
}: {
  value: BusinessHours | null;
  onChange: (next: BusinessHours | null) => void;
}) {
  const weekdays = WEEK.filter((d) => d.day >= 1 && d.day <= 5).map((d) => d.day);
  const defaults: BusinessHours = {
    timezone: localZone(),
    days: weekdays.map((day) => ({ day, from: '09:00', to: '17:00' })),
  };
  const setDays = (days: Interval[]) => value && onChange({ ...value, days: sortDays(days) });

  return (
    <div class="hours">
      <div class="form-row">
        <label class="field">
          <span>Availability</span>
          <select
            value={value ? 'hours' : 'always'}
            onChange={(e) => onChange(e.currentTarget.value === 'hours' ? (value ?? defaults) : null)}
          >
            <option value="always">Always open</option>
            <option value="hours">Opening hours</option>
          </select>
        </label>
        {value && (
          <label class="field">
            <span>Time zone</span>
            <input
              list="sb-time-zones"
              spellcheck={false}
              value={value.timezone}
              onInput={(e) => onChange({ ...value, timezone: e.currentTarget.value })}
            />
            <datalist id="sb-time-zones">
              {zones().map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </label>
        )}
      </div>
      {value && (
        <table class="hours-table">
          <tbody>
            {WEEK.map(({ day, name }) => {
              const intervals = value.days.filter((d) => d.day === day);
              const others = value.days.filter((d) => d.day !== day);
              return (
                <tr key={day}>
                  <th scope="row">
                    <label class="check">
                      <input
                        type="checkbox"
                        checked={intervals.length > 0}
                        onChange={(e) =>
                          setDays(
                            e.currentTarget.checked
                              ? [...others, { day, from: '09:00', to: '17:00' }]
                              : others,
                          )
                        }
                      />
                      {name}
                    </label>
                  </th>
                  <td>
                    {intervals.length === 0 ? (
                      <span class="muted">Closed</span>
                    ) : (
                      <div class="hours-intervals">
                        {intervals.map((interval, i) => {
                          const replace = (patch: Partial<Interval>) =>
                            setDays([
                              ...others,
                              ...intervals.map((x, j) => (j === i ? { ...x, ...patch } : x)),
                            ]);
                          return (
                            <span class="hours-interval" key={`${day}-${i}`}>
                              <input
                                class="input hours-time"
                                aria-label={`${name} opens`}
                                inputMode="numeric"
                                placeholder="09:00"
                                value={interval.from}
                                onInput={(e) => replace({ from: e.currentTarget.value.trim() })}
                              />
                              <span aria-hidden="true">–</span>
                              <input
                                class="input hours-time"
                                aria-label={`${name} closes`}
                                inputMode="numeric"
                                placeholder="17:00"
                                value={interval.to}
                                onInput={(e) => replace({ to: e.currentTarget.value.trim() })}
                              />
                              {intervals.length > 1 && (
                                <button
                                  type="button"
                                  class="btn btn-ghost btn-sm"
                                  aria-label={`Remove ${name} ${interval.from}–${interval.to}`}
                                  onClick={() => setDays([...others, ...intervals.filter((_, j) => j !== i)])}
                                >
                                  ×
                                </button>
                              )}
                            </span>
                          );
                        })}
                        <button
                          type="button"
                          class="link small"
                          onClick={() => setDays([...value.days, { day, from: '13:00', to: '17:00' }])}
                        >
                          Add hours
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

function sortDays(days: Interval[]): Interval[] {
  return [...days].sort((a, b) => a.day - b.day); // stable: a day's intervals keep their order while typed
}
