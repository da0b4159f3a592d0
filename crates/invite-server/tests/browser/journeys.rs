use crate::ONE_BROWSER_AT_A_TIME;
