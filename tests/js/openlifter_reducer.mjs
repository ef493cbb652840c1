// A few of OpenLifter's reducers, written as OpenLifter writes them (immutable spreads), for
// the binding's tests in Node (redux.test.mjs) and in Chromium (test_live_redux_browser.py).

export function openlifterReducer(initial) {
  return function openlifter(state = initial, action) {
    const registration = state.registration;
    const withEntry = (id, change) => ({
      ...state,
      registration: {
        ...registration,
        entries: registration.entries.map((entry) => (entry.id === id ? { ...entry, ...change(entry) } : entry)),
      },
    });
    const lookup = (entries) => Object.fromEntries(entries.map((entry, index) => [String(entry.id), index]));
    switch (action.type) {
      case "ENTER_ATTEMPT":
        return withEntry(action.entryId, (entry) => ({
          [action.field]: entry[action.field].map((kg, i) => (i === action.attempt - 1 ? action.weightKg : kg)),
        }));
      case "MARK_LIFT":
        return withEntry(action.entryId, (entry) => ({
          [action.field]: entry[action.field].map((status, i) => (i === action.attempt - 1 ? action.status : status)),
        }));
      case "SET_BODYWEIGHT":
        return withEntry(action.entryId, () => ({ bodyweightKg: action.kg }));
      case "NEW_REGISTRATION": {
        const entries = [...registration.entries, { ...registration.entries[0], id: registration.nextEntryId, name: action.name }];
        return { ...state, registration: { ...registration, entries, nextEntryId: registration.nextEntryId + 1, lookup: lookup(entries) } };
      }
      case "DELETE_REGISTRATION": {
        const entries = registration.entries.filter((entry) => entry.id !== action.entryId);
        return { ...state, registration: { ...registration, entries, lookup: lookup(entries) } };
      }
      case "SET_FLIGHT":
        return { ...state, lifting: { ...state.lifting, flight: action.flight } };
      default:
        return state;
    }
  };
}
