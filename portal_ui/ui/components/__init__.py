"""Components as plain functions returning rx.Component; no state of their own."""
