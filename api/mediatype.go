package api

// MediaType is the Heroku Platform API's JSON; clients ask for version 3
// with "Accept: application/vnd.heroku+json; version=3".
const MediaType = "application/vnd.heroku+json"

// AcceptVersion3 is the Accept header of a Platform API v3 client.
const AcceptVersion3 = MediaType + "; version=3"
