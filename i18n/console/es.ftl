# Las líneas de consola y los errores de losslab en español, además de la parte principal
# (i18n/es.ftl): servidores, clientes, relé, enlace, join, barridos, carpetas de resultados.
# Las claves coinciden una a una con en.ftl (tests/i18n.rs). Argumentos entre { $llaves }; los
# números eligen la forma plural.

## La cola de la consola (src/cmd/console.rs)
console-not-shown = … { $n ->
        [one] 1 línea de la consola sin mostrar
       *[other] { $n } líneas de la consola sin mostrar
    }
console-stalled = losslab: la salida estándar no dio abasto: { $n ->
        [one] 1 línea de la consola sin mostrar
       *[other] { $n } líneas de la consola sin mostrar
    }
console-dropped = losslab: { $n ->
        [one] 1 línea de la consola sin mostrar
       *[other] { $n } líneas de la consola sin mostrar
    }

## Errores comunes a varias órdenes
err-event-loop-create = no se puede crear el bucle de eventos
err-event-loop = falló el bucle de eventos
err-listen = no se puede escuchar en { $proto } { $addr }
err-udp-socket = no se puede abrir un socket UDP
err-send = no se puede enviar a { $target }
err-write = no se puede escribir { $path }
err-write-files = no se pueden escribir los ficheros de { $dir }
err-recorder-thread = no se puede arrancar el hilo de registro
err-resolve-url = no se puede resolver el host de http://{ $authority }/: { $error }
err-url-no-address = el host de http://{ $authority }/ no corresponde a ninguna dirección

## Servidores (serve time, serve time --protocol, serve echo)
serve-held = [{ $ms } ms] { $action ->
        [answered] respondida
        [dropped] descartada
        [delayed] retrasada
        [duplicated] duplicada
        [corrupted] corrompida
        [reordered] reordenada
       *[other] { $action }
    } { $request } de { $from } ({ $rule }, retenida { $delay })
serve-recorded = registrado: { $dir } (server.csv, server.json)
exposure-warning = aviso: escuchando en { $local }, accesible desde la red (no solo desde esta máquina); { $amplifies }
exposure-amplifies-time = cualquier datagrama, aunque sea de 1 byte, recibe una respuesta de hasta { $bytes } bytes{ $copies }: unas 2 veces la solicitud en el cable, enviada a la dirección de la que la solicitud dice venir, sea cual sea
exposure-amplifies-duplicate = { " " }(el doble con --duplicate)
exposure-amplifies-protocols = cualquier datagrama recibe respuesta (SNTP: tan larga como la solicitud; Daytime: unos 30 bytes), enviada a la dirección de la que la solicitud dice venir, sea cual sea
exposure-amplifies-echo-tcp = el eco TCP necesita antes el establecimiento de la conexión, así que no refleja nada hacia una dirección falsificada
exposure-amplifies-echo-udp = cada respuesta es la solicitud más 5 bytes (como mucho 1,2 veces la solicitud en el cable), enviada a la dirección de la que la solicitud dice venir, sea cual sea
proto-header = servidor { $protocol } de losslab en { $transports } { $local }: alteraciones { $impairments }, semilla { $seed } (Ctrl-C para detener)
proto-udp-and-tcp = udp y tcp
proto-discarded = [{ $ms } ms] descartada ({ $protocol }) { $request } de { $from } ({ $rule })
proto-answered = [{ $ms } ms] respondida ({ $protocol }) { $request } de { $from }
proto-held = [{ $ms } ms] { $action ->
        [answered] respondida
        [dropped] descartada
        [delayed] retrasada
        [duplicated] duplicada
        [corrupted] corrompida
        [reordered] reordenada
       *[other] { $action }
    } ({ $protocol }) { $request } de { $from } ({ $rule }, retenida { $delay })
proto-tcp-answered = [{ $ms } ms] respondida la conexión tcp de { $from }
proto-tcp-unanswered = [{ $ms } ms] no se pudo responder a la conexión tcp de { $from }
proto-footer-kisses = , { $n } kiss-o'-death RATE
echo-bytes = { $n ->
        [one] 1 byte
       *[other] { $n } bytes
    }
echo-srv-udp-footer = respondidas { $replied }, respuestas no enviadas { $unsent }
echo-srv-tcp-footer = conexiones cerradas por el servidor: { $idle } por inactividad, { $evicted } expulsadas al llegar al máximo, { $refused } rechazadas
echo-failed = { $proto } { $target }: { $error }
echo-no-reply-short = sin respuesta

## losslab time --protocol sntp
sntp-header = SNTP { $target }: { $count ->
        [one] 1 solicitud
       *[other] { $count } solicitudes
    }, una cada { $interval }, tiempo de espera { $timeout }
sntp-reply = { $i }: desfase { $offset } ms, retardo { $delay } ms
sntp-kiss = { $i }: kiss-o'-death { $code }: el servidor pide que se le pregunte con menos frecuencia
sntp-timeout = { $i }: tiempo agotado
sntp-summary = { $sent ->
        [one] 1 enviada
       *[other] { $sent } enviadas
    }, { $answered ->
        [one] 1 respondida
       *[other] { $answered } respondidas
    }, { $kisses } kiss-o'-death, { $timeouts ->
        [one] 1 con tiempo agotado
       *[other] { $timeouts } con tiempo agotado
    }
sntp-summary-offset = ; desfase { $offset } ms (de la muestra con menor retardo, { $delay } ms)
sntp-no-reply = ninguna respuesta SNTP de { $target } a { $n ->
        [one] 1 solicitud
       *[other] { $n } solicitudes
    }

## losslab head
head-timeout-reason = sin respuesta antes del tiempo de espera
head-timeout = seq={ $seq } tiempo agotado: { $reason }
head-error = seq={ $seq } error: { $reason }

## URL y cabeceras de respuesta (src/wire/http.rs); $url y las partes citadas llegan entre comillas
url-bad = URL no válida { $url }: { $why }
url-space = contiene un espacio (escríbalo como %20)
url-control = contiene el carácter de control { $char }
url-missing-scheme = falta el esquema: escriba http://HOST[:PUERTO]/RUTA
url-https = https no está soportado: losslab solo habla HTTP sin cifrar
url-scheme = esquema no soportado { $scheme }: losslab solo habla HTTP sin cifrar (http://)
url-userinfo = las URL http no admiten credenciales de usuario (usuario@host)
url-ipv6-unclosed = dirección IPv6 sin su ']' de cierre
url-not-ipv6 = { $addr } no es una dirección IPv6
url-after-ipv6 = { $after } inesperado tras la dirección IPv6
url-colons = { $authority } tiene más de un ':' (una dirección IPv6 va entre corchetes, como en http://[::1]:8080/)
url-empty-host = falta el nombre del host
url-bad-port = puerto no válido { $port }: debe estar entre 1 y 65535
url-non-ascii-host = host con caracteres no ASCII { $host }: escriba su forma IDNA (xn--)
url-host-char = el carácter { $char } no está permitido en un nombre de host
http-malformed = cabecera de respuesta mal formada: { $reason } (empieza por { $start })
http-too-large = las cabeceras de la respuesta superan los { $cap } bytes
http-too-many-headers = la respuesta tiene más de { $max } líneas de cabecera
http-closed-early = la conexión se cerró tras { $received } bytes, antes del final de las cabeceras de la respuesta
http-status-below-100 = el código de estado { $status } es menor que 100
http-bad-header-name = nombre de cabecera no válido
http-bad-header-value = valor de cabecera no válido
http-bad-new-line = salto de línea no válido
http-bad-status = línea de estado no válida
http-bad-token = token no válido
http-too-many-headers-short = demasiadas cabeceras
http-bad-version = versión de HTTP no válida

## losslab run
run-remote-why-sim = una simulación no tiene red exterior
run-remote-why-kind = solo se aplica a escenarios udp-time
run-remote-why-link = un [link] ejecuta el servidor dentro de la red privada de la propia ejecución
run-remote-refused = { $source }: --server { $remote } no se puede usar aquí: { $why }
run-remote-header = aquí solo se ejecutan los clientes: el servidor en { $remote } y su modelo de pérdida ({ $impairments }) están en otra máquina; `losslab join` con el registro del servidor (serve time --record) dice dónde ocurrió cada pérdida
run-remote-summary = servidor { $remote } (en otra máquina): pérdida medida { $loss }; la red a la ida y a la vuelta se suma a lo que descarta su modelo ({ $impairments }), y solo `losslab join` con su registro puede separar ambas.
run-link-url = { $source }: un [link] en vivo solo lleva el tráfico de la propia ejecución entre sus espacios de nombres privados, así que la url exterior { $url } no es accesible a través de él; quite la url para usar el respondedor incorporado, o quite [link]
run-sim-url = { $source }: campo `clients.url` ({ $url }): el modo sim no tiene red exterior, su cliente HEAD pregunta al respondedor incorporado; quite `url` o ejecute en vivo
run-server-sim = sim (tiempo virtual, enlace { $link })
run-server-sim-tcp = sim (tiempo virtual, TCP/IP de smoltcp en ambos extremos, enlace { $link })
run-server-link = { $server } a través de un enlace privado ({ $link }) desde { $client }
run-report-symlink = nota: { $report } es un enlace simbólico; losslab lo deja como está, y el informe que contiene describe una ejecución anterior (vuelva a dibujarlo con `losslab report { $dir } --out DIR`)
run-report-redrawn = informe: { $dir }/report.md redibujado para esta ejecución
run-report-removed = nota: el informe anterior en { $report } no se pudo redibujar ({ $error }); se han borrado sus ficheros ({ $files }), que describían otros datos
run-report-removed-none = ninguno listado en su manifiesto

sim-err-too-many-clients = el modo sim da a cada cliente su propio puerto, así que caben { $max } clientes; esta ejecución tiene { $clients }

## losslab relay
relay-exposed = aviso: escuchando en { $listen }, que no es una dirección de loopback: cualquiera que pueda alcanzarla puede enviar datagramas a través de este relé hacia { $to }
relay-header = relé losslab en udp { $local } -> { $to }: { $path }, semilla { $seed }, { $flows ->
        [address] un flujo por dirección de cliente (--flows address)
       *[other] un solo flujo para todos los clientes (--flows { $flows })
    } (Ctrl-C para detener)
relay-footer = { $status ->
        [interrupted] interrumpido
       *[other] terminado
    }: hacia el servidor { $up } { $up ->
        [one] datagrama
       *[other] datagramas
    }, { $up_dropped } { $up_dropped ->
        [one] descartado
       *[other] descartados
    }; hacia los clientes { $down }, { $down_dropped } { $down_dropped ->
        [one] descartado
       *[other] descartados
    }; { $clients } { $clients ->
        [one] cliente
       *[other] clientes
    }, { $refused } { $refused ->
        [one] rechazado
       *[other] rechazados
    }, { $overflows } { $overflows ->
        [one] desbordado
       *[other] desbordados
    }, { $errors } { $errors ->
        [one] error
       *[other] errores
    } de envío
relay-recorded = registrado: { $dir } (link.csv, flows.csv, relay.json)
relay-overflow = descartada { $dir ->
        [request] una solicitud de
       *[reply] una respuesta a
    } { $client }: el relé ya retiene demasiado ({ $bytes } bytes "{ $preview }")
relay-discarded = [{ $ms } ms] descartada { $dir ->
        [request] la solicitud { $ident } de
       *[reply] la respuesta { $ident } a
    } { $client } ({ $rule }): { $bytes } bytes "{ $preview }"
relay-refused = rechazado un datagrama de { $client }: hay { $max } clientes activos (--max-flows)
relay-socket-warning = aviso: no se puede abrir un socket para el cliente { $client }: { $error }

## losslab link
link-spawn = no se puede arrancar la orden del { $what ->
        [server] servidor
       *[client] cliente
    } (sh -c { $line })
link-tun-watch = no se pueden vigilar los dispositivos TUN del enlace
link-header = losslab link: lado del servidor { $server }, lado del cliente { $client } (LOSSLAB_SERVER_ADDR={ $server }): { $path }, semilla { $seed }
link-footer = { $status ->
        [interrupted] interrumpido
       *[other] terminado
    }: el cliente salió con { $code }; hacia el servidor { $up } { $up ->
        [one] paquete
       *[other] paquetes
    }, { $up_dropped } { $up_dropped ->
        [one] descartado
       *[other] descartados
    }; hacia el cliente { $down }, { $down_dropped } { $down_dropped ->
        [one] descartado
       *[other] descartados
    }
link-recorded = registrado: { $dir } (link.csv, link.json)
link-server-ended = la orden del servidor terminó ({ $status }) antes de asociar un socket: { $line }
link-server-wait = aviso: el servidor no asoció ningún socket en { $wait }; se arranca el cliente de todos modos
err-read = no se puede leer { $path }

## losslab run-all
run-all-read-folder = no se puede leer la carpeta de escenarios { $dir }
run-all-empty = { $dir } no contiene ficheros de escenario (*.toml)
run-all-same-name = { $first } y { $second } tienen ambos name = "{ $name }"; cada escenario escribe results/<nombre>/, así que los nombres deben ser distintos
run-all-scenario = escenario { $path }
run-all-interrupted = { $name }: interrumpido; { $dir } queda como estaba
run-all-interrupted-report = { $name }: hecho; interrumpido antes de su informe, se detiene
run-all-report-of = el informe de { $dir }
run-all-line = { $name } { $mode } { $packets } paquetes, pérdida { $loss }, { $seconds } s { $simulated } -> { $dir }
run-all-simulated = simulados
run-all-checking = comprobando { $dir }
run-all-same-bytes = los mismos bytes que la referencia
run-all-passes = pasa losslab check
run-all-failed-against = FALLA frente a { $reference }
run-all-comparison-of = la comparación { $dir }
run-all-comparison = { $name } comparación -> { $dir }
run-all-verify-ok = verify: todos los escenarios coinciden con su referencia
run-all-verify-failed = verify: { $n ->
        [one] 1 falló
       *[other] { $n } fallaron
    }: { $names } (resultados nuevos en { $dir })
run-all-no-reference = no hay carpeta de referencia { $dir }: ejecute `losslab run-all` y guárdela en el repositorio
run-all-missing = { $file } falta en la ejecución nueva
run-all-new = { $file } es nuevo (no está en la referencia)
run-all-differs = { $file } difiere:
run-all-diff-line = línea { $n }
run-all-none = (ninguna)
run-all-line-counts = { $reference ->
        [one] 1 línea
       *[other] { $reference } líneas
    } en la referencia, { $fresh } en la ejecución nueva

## losslab join
join-nothing = { $path }: ninguna solicitud terminó en respuesta o en tiempo agotado; no hay nada que unir
join-share = { $ratio }% (IC 95% { $low }-{ $high }%)
join-header = unidos { $sent } intentos de { $client } con el registro del servidor { $server } por id (sin comparar relojes):
join-lost-to-server = perdidos de camino al servidor
join-discarded-by-server = descartados por el modelo del servidor
join-lost-back = perdidos a la vuelta
join-lost-in-all = perdidos en total
join-of = { $k } de { $n }
join-results = resultados: { $dir }/{"{"}join.csv,join.json{"}"}
join-foreign = { $n ->
        [one] 1 fila del servidor no corresponde
       *[other] { $n } filas del servidor no corresponden
    } a ninguna solicitud de estos clientes (otros clientes de ese servidor)

## src/cli.rs
err-signal-handler = no se puede instalar el manejador de Ctrl-C: { $error }

## Sockets, fallos de TCP y la red privada (src/driver/, src/client/)
bind-what-time-server = servidor de hora UDP
bind-what-udp-echo = servidor de eco UDP
bind-what-tcp-echo = servidor de eco TCP
bind-what-http = servidor HTTP
bind-what-client = socket del cliente
err-event-loop-epoll = no se puede crear el bucle de eventos (epoll)
err-reach = no se puede alcanzar { $target }
err-poll = falló la espera de los sockets
err-server-recv = el socket del servidor falló al recibir
err-client-recv = el cliente { $client } falló al recibir
err-write-row = no se puede escribir una fila de { $file }
tcp-closed-without-reply = el servidor cerró la conexión sin responder
tcp-closed-before-request = el servidor cerró la conexión antes de que se enviara la solicitud
tcp-to = { " " }a { $peer }
tcp-from = { " " }de { $peer }
tcp-cannot-connect = no se puede conectar{ $peer }: { $error }
tcp-cannot-send = no se puede enviar{ $peer }: { $error }
tcp-cannot-receive = no se puede recibir{ $peer }: { $error }
tcp-refused = conexión rechazada
tcp-reset = conexión reiniciada
link-tuns-gone = los dispositivos TUN del enlace ya no existen
link-tun-write = no se puede escribir un paquete en el dispositivo del lado { $side ->
        [Client] del cliente
       *[Server] del servidor
    } del enlace
link-tun-read = no se puede leer del dispositivo del lado { $side ->
        [Client] del cliente
       *[Server] del servidor
    } del enlace
netns-unsupported = un [link] en vivo necesita espacios de nombres de red de Linux y dispositivos TUN, que este sistema no tiene; simule el enlace con --sim
netns-use-sim = ejecute como root, o simule el enlace con --sim
netns-cannot-build = no se puede construir un [link] en vivo: { $why }; { $use_sim }
netns-needs-userns = un [link] en vivo necesita espacios de nombres de red y, para un usuario sin privilegios, un espacio de nombres de usuario, pero { $why }; { $use_sim }
netns-needs-netns = un [link] en vivo necesita espacios de nombres de red, pero { $why }; { $use_sim }
netns-write-failed = no se puede construir un [link] en vivo: falló la escritura de { $path } en el nuevo espacio de nombres de usuario ({ $error }); { $use_sim }
netns-tun-setup = no se puede construir un [link] en vivo: falló la configuración del dispositivo TUN { $name } ({ $addr }): { $error }; { $use_sim }
netns-refused = el núcleo rechazó un nuevo espacio de nombres de red ({ $error })
netns-refused-root = el núcleo rechazó a root un espacio de nombres de red ({ $error }): a este proceso le falta CAP_SYS_ADMIN (¿un contenedor restringido?)
netns-refused-user = el núcleo rechazó un espacio de nombres de red ({ $error }): no es root y este proceso no tiene un espacio de nombres de usuario propio (`losslab run` crea uno al arrancar donde el sistema lo permite)
userns-disabled = los espacios de nombres de usuario están desactivados (sysctl { $sysctl } = 0)
userns-apparmor = AppArmor restringe los espacios de nombres de usuario sin privilegios (sysctl kernel.apparmor_restrict_unprivileged_userns = 1)
userns-no-permission = el núcleo rechazó un nuevo espacio de nombres ({ $error }): sin permiso
userns-refused = el núcleo rechazó un nuevo espacio de nombres ({ $error })
tun-missing = este sistema no tiene /dev/net/tun (no hay controlador TUN)
tun-permission = este usuario no puede leer y escribir /dev/net/tun (normalmente tiene modo 0666; aquí no)
tun-open = no se puede abrir /dev/net/tun: { $error }
netns-read-own = no se puede leer el espacio de nombres de red de este hilo
netns-read-new = no se puede leer el nuevo espacio de nombres de red
netns-return-home = no se puede volver al espacio de nombres de red inicial
netns-enter-server = no se puede entrar en el espacio de nombres del servidor del enlace
netns-return-client = no se puede volver al espacio de nombres del cliente del enlace

## Carpetas de resultados (src/results/)
folder-resolve = no se puede resolver la carpeta { $dir }
folder-create = no se puede crear la carpeta { $dir }
folder-no-parent = { $dir } no puede ser una carpeta de resultados (no tiene carpeta superior)
folder-manifest-not-file = { $path } no es un manifiesto escrito por losslab (no es un fichero normal pequeño); apártelo
folder-manifest-damaged = { $path }:{ $line }: `{ $name }` no es un nombre de fichero de la carpeta; el manifiesto está dañado (apártelo para que losslab trate la carpeta como nueva)
folder-create-staging = no se puede crear la carpeta de preparación { $dir }
folder-staging-in-the-way = { $path } ocupa el lugar de la carpeta de preparación de losslab (no es una carpeta); apártelo
folder-open-staging = no se puede abrir la carpeta de preparación { $dir }
folder-busy = otro losslab está escribiendo en { $dir } ahora mismo (tiene { $stage }); espere a que termine o elija otra carpeta de salida
folder-lock = no se puede bloquear { $path }
folder-contended = no se puede tomar { $stage } para escribir en { $dir }: otros procesos losslab lo sustituyen una y otra vez
folder-create-results = no se puede crear la carpeta de resultados { $dir }
folder-open-results = no se puede abrir la carpeta de resultados { $dir }
folder-lock-results = no se puede bloquear la carpeta de resultados { $dir }
folder-not-ours = { $path } no es de losslab (ningún { $manifest } de la carpeta lo lista): losslab no sustituye ficheros que no escribió; apártelo o elija otra carpeta
folder-not-regular = { $path } es un enlace, una carpeta o un dispositivo, no el fichero que escribió losslab; losslab no lo toca: apártelo o elija otra carpeta
folder-move = no se puede mover { $path } a su sitio
read-missing = falta { $path }: una carpeta de resultados escrita por `losslab run` lo tiene
read-not-regular = { $path } { $kind ->
        [fifo] es una FIFO
        [device] es un dispositivo
        [folder] es una carpeta
       *[other] no es un fichero normal
    }, no un fichero escrito por losslab; los resultados solo se leen de ficheros normales
read-json-too-long = { $path }: { $len } bytes, más que los { $max } bytes que puede tener un summary.json; no es un fichero escrito por losslab
read-json-invalid = { $path }:{ $line }:{ $column }: JSON no válido: { $error }
read-json-object = { $path }: se esperaba un objeto JSON
read-line-too-long = una línea de más de { $max } bytes; las filas de losslab tienen unos cientos de bytes, así que no es un fichero escrito por losslab
read-empty = { $path }:1: el fichero está vacío; se esperaba una línea de cabecera
read-column-twice = { $path }:1: la columna `{ $column }` aparece dos veces en la cabecera
read-no-column = { $path }:1: no hay columna `{ $column }` en la cabecera (tiene: { $header })
read-column = columna `{ $column }`
read-is-not = { $text } no es { $what }
read-what-whole-in-range = un número entero ≥ 0 (dentro del rango)
read-what-whole = un número entero
read-what-number = un número
read-what-bool = true o false
read-what-one-of = uno de { $words }
read-cannot = no se puede leer
read-not-utf8 = no es texto UTF-8
read-unequal = { $cells ->
        [one] 1 celda
       *[other] { $cells } celdas
    }, pero la cabecera tiene { $columns } columnas (¿un fichero cortado o editado?)
summary-no-scope = { $path }:1: no hay columna `scope` en la cabecera; no es un summary.csv de losslab
summary-older = ; este fichero lo escribió un losslab anterior, de antes de `{ $column }` y las columnas que la siguen: vuelva a ejecutar el escenario con esta versión
summary-no-column = { $path }:1: no hay columna `{ $column }` en la cabecera, que todo summary.csv de este losslab tiene{ $hint }
summary-what-cell = un número (o vacío, o `inf`)
summary-what-count = una cuenta (un número entero ≥ 0)
schema-rtt = `{ $text }` no es un número entero de µs ni `inf`
schema-ratio = { $x } no es una proporción en [0, 1]
schema-scope = `{ $scope }` no es `all` ni un id de cliente
schema-sent = { $sent } enviadas, pero replies + timeouts + interrupted + errors = { $replies } + { $timeouts } + { $interrupted } + { $errors }
schema-loss-ratio = { $l } no es timeouts / (replies + timeouts) = { $timeouts } / { $n } = { $want }
schema-loss-ratio-resolved = { $l } con { $n } respuestas y tiempos agotados
schema-empty = vacío
schema-interval = el intervalo [{ $lo }, { $hi }] no contiene loss_ratio { $l }
schema-late = { $late } respuestas tardías, más que los { $timeouts } tiempos agotados
schema-first-attempts = no se cumple first_attempt_losses { $losses } ≤ first_attempts { $attempts } ≤ sent { $sent }
schema-successes = { $successes } éxitos de { $requests } solicitudes lógicas
schema-rtt-max = { $max } es menor que rtt_min_us { $min }
schema-percentiles = { $v } es menor que { $before } { $b }: los percentiles deben crecer
schema-scope-twice = una segunda fila con scope `{ $scope }` (la primera está en la línea { $first })
schema-no-all = no hay fila con scope `all`
schema-sum = { $total } en la fila `all`, pero las filas de los clientes suman { $sum }
schema-probability = { $x } no es una probabilidad en [0, 1]
schema-positive = { $x }; debe ser un número positivo
schema-period = { $x }; un periodo de pérdida tiene al menos 1 paquete
schema-file-name = `{ $name }` no es un nombre de fichero de la carpeta

## losslab sweep y merge
sweep-shard = --shard `{ $text }`: escriba I/N con 1 ≤ I ≤ N, p. ej. 2/8
sweep-slurm-shard = SLURM_ARRAY_TASK_ID={ $i }, SLURM_ARRAY_TASK_COUNT={ $n }: { $error } (el script de --slurm numera sus tareas desde 1)
sweep-other-run = { $dir } contiene una ejecución de otro barrido ({ $other }; este es { $this }); elija otro --out
sweep-not-ours = { $dir }: { $error }; elija otro --out
sweep-foreign = { $dir } contiene ejecuciones del barrido { $other } (p. ej. { $run }), y { $file } es el barrido { $this }: una carpeta contiene un solo barrido; elija otro --out
sweep-header = barrido { $id }: { $points ->
        [one] 1 punto
       *[other] { $points } puntos
    } × { $seeds ->
        [one] 1 semilla
       *[other] { $seeds } semillas
    }{ $shard }: { $runs ->
        [one] 1 ejecución
       *[other] { $runs } ejecuciones
    }, { $skipped } ya completas; { $sim } ejecuciones simuladas en { $threads ->
        [one] 1 hilo
       *[other] { $threads } hilos
    }{ $live }
sweep-header-shard = , fragmento { $i }/{ $n }
sweep-header-live = , después { $n ->
        [one] 1 ejecución en vivo
       *[other] { $n } ejecuciones en vivo, una a una
    } (las ejecuciones en vivo comparten la red y se estorbarían)
sweep-failed = { $n ->
        [one] 1 de las ejecuciones del barrido falló:
       *[other] { $n } de las ejecuciones del barrido fallaron:
    }
sweep-interrupted = barrido interrumpido: se conservan las ejecuciones terminadas; vuelva a ejecutar la misma orden para terminar el resto
sweep-shard-done = fragmento terminado; cuando lo estén todos: losslab merge { $dir }
sweep-merged = { $path }: { $rows } filas de { $runs ->
        [one] 1 ejecución
       *[other] { $runs } ejecuciones
    }
merge-done = { $path }: { $rows } filas de { $runs ->
        [one] 1 ejecución
       *[other] { $runs } ejecuciones
    } del barrido { $id }{ $interrupted }
merge-interrupted = { " " }({ $n ->
        [one] 1 de ellas interrumpida
       *[other] { $n } de ellas interrumpidas
    })
sweep-field = campo `{ $field }`
sweep-seeds-range = escriba un rango "PRIMERA..ÚLTIMA" (inclusivo) o una lista [1, 2, 3]
sweep-seeds-bad-range = `{ $text }` no es un rango PRIMERA..ÚLTIMA de números enteros con PRIMERA ≤ ÚLTIMA
sweep-seeds-too-many = { $n } semillas, más que las { $max } que puede ejecutar un barrido
sweep-seed-bad = { $value } no es una semilla (un número entero desde 0)
sweep-seeds-neither = { $value } no es ni un rango "1..30" ni una lista de semillas
sweep-seeds-none = no hay semillas; un barrido necesita al menos una
sweep-seed-twice = la semilla { $seed } aparece dos veces
sweep-grid-empty = una lista vacía; indique los valores que barrer
sweep-grid-value = { $value } no puede ser aquí el valor de un campo; use cadenas, números o booleanos
sweep-grid-twice = el valor { $value } aparece dos veces
sweep-grid-field = no es un campo del escenario (una ruta con puntos como "clients.backoff")
sweep-grid-list = { $value } no es una lista; escriba { $field } = [valor, valor, ...]
sweep-read = no se puede leer el fichero de barrido { $path }
sweep-read-scenario = no se puede leer { $path }: { $error } (la ruta es relativa al fichero de barrido)
sweep-grid-field-twice = el campo se barre dos veces
sweep-too-many = { $path }: la rejilla y las semillas dan más de { $max } ejecuciones; divida el barrido
sweep-point-invalid = este punto no da un escenario válido: { $error }
merge-not-summary = { $path }: no es un summary.json escrito por losslab
merge-not-sweep = { $dir } es una ejecución, pero no de un barrido (su summary.json no nombra ninguno); una solo carpetas hechas por `losslab sweep` o por las órdenes de su --list
merge-point = { $dir }: summary.json dice punto `{ $point }`, pero sus parámetros dan `{ $want }`
merge-two-sweeps = { $run } pertenece al barrido { $id }, pero { $first } al barrido { $first_id }: estas carpetas vienen de ficheros de barrido distintos; una cada barrido por separado
merge-same-run = { $a } y { $b } son la misma ejecución (punto { $point }, semilla { $seed }) con resultados distintos; conserve una de ellas
merge-no-runs = no hay carpetas de ejecución (PUNTO/seed-N/) en { $dirs }; ejecute antes el barrido
merge-fields-differ = { $dir }: sus campos barridos difieren de los de { $first }
merge-field-name = el campo barrido `{ $field }` tiene el nombre de una columna de sweep.csv

## Por qué un servidor TCP cerró una conexión
drop-idle = demasiado tiempo inactiva
drop-evicted = expulsada: la más inactiva al llegar al máximo de conexiones
drop-foreign = ajena: no es de uno de los clientes de esta ejecución
drop-refused = rechazada: se ha llegado al máximo de conexiones

## Alteraciones y enlaces descritos en la consola (las palabras de netem quedan como en netem)
impair-none = ninguna
impair-on = { $args } (sobre { $direction })
impair-dir-request = las solicitudes
impair-dir-reply = las respuestas
impair-dir-both = solicitudes y respuestas
link-each-way = { $delay } en cada sentido
