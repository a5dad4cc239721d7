#pragma once
// Everything an application or adapter needs, in one include.
#include "wirestate/cxx20.hpp"

#include "wirestate/buffer_pool.hpp"
#include "wirestate/client_connection.hpp"
#include "wirestate/config.hpp"
#include "wirestate/connection.hpp"
#include "wirestate/error.hpp"
#include "wirestate/exchange.hpp"
#include "wirestate/handler.hpp"
#include "wirestate/headers.hpp"
#include "wirestate/http_date.hpp"
#include "wirestate/io.hpp"
#include "wirestate/request.hpp"
#include "wirestate/response.hpp"
#include "wirestate/server_connection.hpp"
#include "wirestate/status.hpp"
#include "wirestate/time.hpp"
