//! Interactive activities of seed 000: meetings, courses, sign-in, lottery, message wall and
//! the live event stream. Filled in by the activities issue.
