# Los ficheros de escenario y las especificaciones que contienen (pérdida, retardo, duraciones,
# anchos de banda, esperas entre reintentos) y las modificaciones --set, en español. Las claves
# coinciden una a una con en.ftl (tests/i18n.rs). Los nombres de campos, las palabras clave de
# netem (random, gemodel, delay, distribution...) y los valores se dejan como se escriben.

## Dónde está el error
scenario-field = campo `{ $field }`
scenario-err-read = no se puede leer el fichero de escenario { $file }: { $error }

## Los mensajes de toml, en sus formas habituales
scenario-toml-missing-field = falta el campo `{ $field }`
scenario-toml-unknown-field-list = campo desconocido `{ $field }`, se esperaba uno de { $expected }
scenario-toml-unknown-field-one = campo desconocido `{ $field }`, se esperaba { $expected }
scenario-toml-unknown-field-none = campo desconocido `{ $field }`, aquí no hay campos
scenario-toml-or = o
scenario-toml-invalid-type = tipo no válido: { $found }, se esperaba { $expected }

## Campos del fichero
scenario-err-name = `{ $name }` no sirve como nombre de una carpeta de resultados; use letras, dígitos, '-', '_' y '.' (p. ej. "lab9-udp-time")
scenario-err-seed = { $value } es negativo; una semilla es un número entero desde 0
scenario-err-server-kind = tipo de servidor desconocido `{ $value }`; se esperaba "udp-time", "tcp-echo" o "http"
scenario-err-bind = `{ $value }` no es una dirección IP con puerto; escriba p. ej. "127.0.0.1:0" (el puerto 0 elige uno libre)
scenario-err-loss-and-impair = dé [loss] (model = "bernoulli", p) o [impair] (especificaciones de netem), no ambas
scenario-err-bernoulli-p = el modelo bernoulli necesita `p`, la probabilidad de perder un paquete (p. ej. p = 0.5)
scenario-err-loss-model = modelo de pérdida desconocido `{ $value }`; se esperaba "bernoulli" (para pérdida a ráfagas use [impair] loss = "gemodel ...")
scenario-err-zero-duration = debe ser mayor que 0
scenario-err-step-stateless = solo se aplica a los modelos de pérdida con estado (gemodel, state, bursty): indica cuánto tiempo representa un paso de su cadena
scenario-err-tcp-loss = [loss] e [impair] son los descartes propios del servidor udp-time: un servidor TCP no puede descartar una solicitud que ya recibió; para perder segmentos TCP por el camino, ponga la pérdida en el camino con [link] (p. ej. [link] loss = "random 10%")
scenario-err-tcp-impair = [impair] es lo que el servidor udp-time hace con sus propios paquetes (los descartes de la práctica); para poner un escenario TCP en un camino con pérdidas y retardo, use [link] (p. ej. [link] loss = "random 10%", delay = "5ms")
scenario-err-only-for = `{ $field }` solo se aplica al tipo de servidor "{ $kind }"
scenario-err-rate = { $value } no es una tasa; indique solicitudes por segundo para todos los clientes juntos, mayor que 0 y como mucho 10000000
scenario-err-pacing = indique exactamente uno de `interval` (bucle abierto, por cliente, p. ej. "20ms"), `rate` (bucle abierto, solicitudes por segundo para todos los clientes) o `concurrency` (bucle cerrado, solicitudes en curso por cliente)
scenario-err-backoff-no-retries = la espera entre reintentos solo importa si hay reintentos; indique también `retries`
scenario-err-percentiles = `{ $value }`: se esperaba "replies" (percentiles solo sobre las respuestas) o "lost-infinite" (RFC 2681: una solicitud perdida cuenta como un RTT infinito)
scenario-err-mode = modo desconocido `{ $value }`; se esperaba "live" (sockets en loopback) o "sim" (tiempo virtual sobre un enlace simulado)
scenario-err-out-of-range = { $value } está fuera de rango; se esperaba de { $min } a { $max }
scenario-err-budget-attempts = { $clients } clientes × { $requests } solicitudes × { $per_request } intentos = { $attempts } intentos, por encima del límite de { $budget } por ejecución; use menos solicitudes o menos clientes
scenario-err-budget-wait = una solicitud puede esperar { $wait } (tiempos de espera, esperas entre reintentos y la ventana de respuestas tardías), por encima del límite de { $budget } por ejecución; acorte el tiempo de espera
scenario-err-budget-length = { $requests } solicitudes, una cada { $interval }, tardan { $length }, por encima del límite de { $budget } por ejecución; envíe más a menudo o menos solicitudes
scenario-err-budget-in-flight = esto mantiene hasta { $in_flight } solicitudes en curso ({ $clients } clientes, tiempo de espera { $timeout }, ventana de respuestas tardías { $late_window }), por encima del límite de { $budget }; envíe con menos frecuencia, use menos clientes o un tiempo de espera más corto
scenario-years = { $years } años

## Especificaciones de alteraciones (sintaxis de netem)
scenario-spec-not-probability = { $name } = { $value } no es una probabilidad (del 0% al 100%)
scenario-spec-not-number = { $name } = { $value } no es un número; escriba un porcentaje como 30% o una fracción como 0.3
scenario-spec-fraction = { $error }: un número sin % es una fracción (0.05 = 5%), mientras que tc leería un porcentaje; escriba { $value }% para el { $value } por ciento
scenario-spec-no-correlation = la correlación { $value } no se admite (solo 0%): la correlación de netem promedia cada número aleatorio con el anterior, lo que también cambia la tasa; losslab sortea cada paquete de forma independiente
scenario-spec-time-no-unit = { $name } = { $value } no tiene unidad; escríbalo como 100ms, 1.5s o 80us
scenario-spec-not-time = { $name } = { $value } no es un tiempo
scenario-spec-time-unit = { $name } = { $value } tiene una unidad desconocida, "{ $unit }"; use us, ms o s
scenario-spec-time-long = { $name } = { $value } es demasiado largo
scenario-spec-loss-forms = random P, state p13 [p31 [p32 [p23 [p14]]]], gemodel p [r [1-h [1-k]]], pattern 1001... o bursty P burst L
scenario-spec-no-loss = falta el modelo de pérdida; escriba { $forms }
scenario-spec-unknown-loss = modelo de pérdida desconocido "{ $model }"; escriba { $forms }
scenario-spec-needs = { $model } necesita { $name }: { $model } { $usage }
scenario-spec-too-many = { $word } es un número de más: { $model } admite { $usage }
scenario-spec-pattern-empty = pattern necesita sus dígitos: 1 perdido, 0 entregado, como en pattern 1001
scenario-spec-pattern-long = el patrón tiene { $length } dígitos; como mucho { $max }
scenario-spec-pattern-digit = el patrón contiene "{ $digit }"; escriba solo 1 (perdido) y 0 (entregado), como 1001
scenario-spec-bursty-usage = bursty P burst L (pérdida media y longitud media de ráfaga, como bursty 5% burst 3)
scenario-spec-write = escriba { $usage }
scenario-spec-bursty-keyword = "{ $word }" debería ser "burst": escriba { $usage }
scenario-spec-bursty-length = L = { $value } no es un número de paquetes; escriba { $usage }
scenario-spec-bursty-mean = L = { $value } no es una longitud media de ráfaga (al menos 1 paquete)
scenario-spec-bursty-full = P = 100% no deja huecos entre ráfagas; escriba random 100%
scenario-spec-bursty-impossible = P = { $loss } con L = { $length } necesita p = P·r/(1-P) = { $p }, más del 100%: con esa pérdida la ráfaga media es de al menos P/(1-P) = { $shortest } paquetes
scenario-spec-bernoulli-range = p = { $value } no es una probabilidad; debe estar entre 0 y 1 (0.5 descarta la mitad)
scenario-spec-state-sum = { $first } + { $second } = { $a } + { $b } supera el 100%: ambas salen del estado { $state }
scenario-spec-delay-usage = T [J] [distribution uniform|normal|pareto|paretonormal], como 100ms 10ms
scenario-spec-no-delay = falta el retardo; escriba { $usage }
scenario-spec-extra-word = { $word } es una palabra de más: escriba { $usage }
scenario-spec-distribution = distribución desconocida "{ $name }"; use uniform, normal, pareto o paretonormal
scenario-spec-distribution-jitter = la distribución { $name } necesita un retardo y un jitter (su dispersión), como en netem: escríbalo como 100ms 10ms distribution { $name }
scenario-spec-distribution-one = distribution admite un solo nombre: escriba { $usage }
scenario-spec-gap = gap no se admite: el { $kind } de losslab actúa sobre cada paquete por separado
scenario-spec-direction = direction debe ser request (del cliente al servidor), reply (del servidor al cliente) o both
scenario-spec-direction-needed = con loss y { $kind } a la vez, indique sobre qué paquetes actúan: ponga direction a request, reply o both (loss sola actúa por defecto sobre request, { $kind } solo sobre reply)
scenario-spec-reorder-server = reorder necesita un retardo: netem reordena enviando algunos paquetes en el acto mientras los demás esperan el retardo; indique también un retardo (como 10ms)
scenario-spec-reorder-link = reorder necesita un retardo: un paquete reordenado se salta el retardo del enlace y adelanta a los que aún van de camino; indique el retardo del enlace (como 10ms)

## Duraciones (timeout, interval, late_window, step, esperas entre reintentos)
scenario-duration-no-unit = `{ $text }` no tiene unidad; escríbalo como "250ms", "1.5s", "80us" o "2m"
scenario-duration-no-number = `{ $text }` no empieza por un número
scenario-duration-unit = `{ $text }` tiene una unidad desconocida, `{ $unit }`; use us, ms, s o m
scenario-duration-long = `{ $text }` es demasiado largo

## Anchos de banda (tras la especificación entre comillas)
scenario-bandwidth-not-rate = no es una tasa; escriba un número y una unidad, como 100mbit o 125kbps
scenario-bandwidth-no-unit = no tiene unidad; escríbalo como 100mbit (bits por segundo) o 125kbps (bytes por segundo)
scenario-bandwidth-unit = tiene una unidad desconocida, "{ $unit }"; use bit, kbit, mbit, gbit (bits por segundo) o bps, kbps, mbps, gbps (bytes por segundo)
scenario-bandwidth-prefix = tiene un prefijo desconocido, "{ $prefix }"; use k, m, g o t (potencias de 1000)
scenario-bandwidth-range = está fuera de rango; un ancho de banda va de 1bit a 1000tbit

## Esperas entre reintentos (clients.backoff)
scenario-backoff-missing = `{ $text }`: falta { $what }
scenario-backoff-part = `{ $text }`: { $what }: { $error }
scenario-backoff-the-wait = la espera
scenario-backoff-the-first-wait = la primera espera
scenario-backoff-the-cap = el tope
scenario-backoff-factor = `{ $text }`: tras la primera espera va el factor, como `x2` (al menos 1)
scenario-backoff-no-cap = `{ $text }`: tras el factor va un tope, como `max 2s`
scenario-backoff-cap-short = `{ $text }`: el tope es más corto que la primera espera
scenario-backoff-forms = `{ $text }`: se esperaba `none`, `fixed 50ms` o `exponential 100ms x2 max 2s`, seguido opcionalmente de `jitter 20%`
scenario-backoff-jitter = `{ $text }`: jitter es un porcentaje menor que el 100%, como `jitter 20%`
scenario-backoff-jitter-none = `{ $text }`: un reintento inmediato no tiene ninguna espera a la que aplicar jitter
scenario-backoff-unexpected = `{ $text }`: `{ $rest }` inesperado; detrás solo puede ir `jitter N%`

## --set CAMPO=VALOR
scenario-set-no-equals = `{ $text }` no tiene `=`; escriba CAMPO=VALOR, p. ej. impair.loss="bursty 10% burst 5"
scenario-set-not-field = `{ $field }` no es un campo de escenario; escriba una ruta con puntos como clients.backoff
scenario-set-not-toml = { $file }: no es un documento TOML: { $error }
scenario-set-value-not-table = { $set }: `{ $path }` en { $file } es un valor, no una tabla con campos
scenario-set-table = { $set }: `{ $field }` en { $file } es una tabla; asigne uno de sus campos
scenario-set-error = { $file } con { $set }: campo `{ $field }`: { $error }
scenario-set-context = { $file } con { $sets } (los números de línea son los del fichero con las modificaciones aplicadas)
scenario-set-read = no se puede leer el fichero de escenario { $file }
scenario-set-edited-not-toml = { $file }: no es TOML
scenario-set-no-value = { $set }: el campo no recibió ningún valor
