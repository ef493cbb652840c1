"""OpenLifter's rules, ported to Python: the documented port of OpenLifter's TypeScript.

Pure functions and frozen dataclasses, no I/O and no server concepts: the OpenLifter state
(as JSON) in, OpenLifter's facts out, down to its tie-breaks, rounding and edge cases, so
every screen of the live server agrees with the meet director's laptop. Each module names
the OpenLifter source it follows:

- ``model``: tolerant readers of the Redux state (``src/types``, ``src/logic/entry.ts``,
  the reducers' initial states);
- ``lifting_order``: lifting order, current and next lifter (``src/logic/liftingOrder.ts``);
- ``points``: the points formulas (``src/logic/coefficients/``);
- ``results``: best lifts, totals, categories and places (``src/logic/entry.ts``,
  ``src/logic/divisionPlace.ts``);
- ``barload``: plates on the bar and how the loaders' display draws them
  (``src/logic/barLoad.ts``, ``src/components/lifting/BarLoad.tsx``);
- ``units``: kg/lb conversion, weight and class formatting (``src/logic/units.ts``).

``openlifter.views`` shapes these facts into what each screen shows and publishes them.
"""
