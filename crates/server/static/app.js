// cortina's page script (served as a file: the CSP allows no inline script).
// Pages work without it; it adds the live board (see room.html).
"use strict";
