"""What the displays show, shaped from OpenLifter's rules (``openlifter.rules``) and published.

- ``derive``: the views of a state (each platform's lifting view, the standings), whole;
- ``incremental``: the same views kept up to date change by change, in bounded steps;
- ``patch``: RFC 6902 patches between two versions of the views;
- ``pages``: page specs, template contexts and the one Jinja renderer;
- ``feed``: the display feed's frames per kind of display (snapshot, then what changed);
- ``publisher``: one publisher per meet, fanning frames out to its displays.
"""
